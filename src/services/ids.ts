const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are uuids: anything else can be answered NOT_FOUND without asking the database. */
export const isUuid = (id: string) => UUID.test(id);
