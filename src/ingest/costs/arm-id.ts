/**
 * Pieces of an Azure Resource Manager id such as
 * `/subscriptions/<sub>/resourceGroups/<rg>/providers/Microsoft.Compute/virtualMachineScaleSets/<name>`.
 * Azure writes ids with inconsistent casing (`resourceGroups`, `resourcegroups`), so matching is
 * case-insensitive.
 */

export function isArmId(id: string): boolean {
  return /^\/(subscriptions|providers)\//i.test(id);
}

/** Lower-cased, because Azure itself treats resource group names case-insensitively and exports mix cases. */
export function resourceGroupFromArmId(id: string): string | null {
  if (!isArmId(id)) return null;
  const m = /\/resourcegroups\/([^/]+)/i.exec(id);
  return m ? m[1].toLowerCase() : null;
}

/** `Microsoft.Compute/virtualMachineScaleSets` for a scale set id; child types are appended. */
export function resourceTypeFromArmId(id: string): string | null {
  const parts = providerSegments(id);
  if (!parts || parts.length < 2) return null;
  const types = parts.filter((_, i) => i % 2 === 1);
  return [parts[0], ...types].join('/');
}

/** The last resource name in the id, or null when the id stops at a type (`…/reservations/`). */
export function resourceNameFromArmId(id: string): string | null {
  const parts = providerSegments(id);
  if (!parts || parts.length < 3 || parts.length % 2 === 0) return null;
  return parts[parts.length - 1];
}

/** [namespace, type, name, type, name, …] after the last `/providers/`, empty segments dropped. */
function providerSegments(id: string): string[] | null {
  if (!isArmId(id)) return null;
  const at = id.toLowerCase().lastIndexOf('/providers/');
  if (at < 0) return null;
  return id
    .slice(at + '/providers/'.length)
    .split('/')
    .filter((s) => s !== '');
}
