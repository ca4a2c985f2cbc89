const KNOWN: Record<string, string> = {
  aws: 'aws',
  amazon: 'aws',
  'amazon web services': 'aws',
  'amazon web services, inc.': 'aws',
  microsoft: 'azure',
  'microsoft azure': 'azure',
  'microsoft corporation': 'azure',
  azure: 'azure',
  google: 'gcp',
  'google cloud': 'gcp',
  'google cloud platform': 'gcp',
  gcp: 'gcp',
  oracle: 'oci',
  'oracle cloud infrastructure': 'oci',
  'oracle corporation': 'oci',
  oci: 'oci',
};

/** `aws` / `azure` / `gcp` / `oci` for the clouds' FOCUS provider names, else the name lower-cased. */
export function providerKey(providerName: string): string {
  const name = providerName.trim().replace(/\s+/g, ' ').toLowerCase();
  return KNOWN[name] ?? name;
}
