/*-------------------------------------------------------------------------
 *
 * extension_owner.c
 *	  Acting as the extension's owner, to reach the extension's own tables
 *	  (the checksum cache of locations.c, the releases of sync.c) that no
 *	  other role is granted.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/pg_extension.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"

#include "pg_migrate.h"

/*
 * become_extension_owner
 *		Switch to the extension's owner (security-restricted as a local user
 *		id change) and return its oid, with the extension's schema in
 *		*schema; InvalidOid when the extension is not installed.  The caller
 *		restores *saved_user and *saved_sec.  Tables granted to nobody
 *		(pg_migrate_checksums, the releases) are read and written this way.
 */
Oid
become_extension_owner(char **schema, Oid *saved_user, int *saved_sec)
{
	Oid			ext = get_extension_oid("pg_migrate", true);
	Oid			owner = InvalidOid;
	Oid			namespace = InvalidOid;
	Relation	rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple	tuple;

	if (!OidIsValid(ext))
		return InvalidOid;

	/*
	 * An index lookup rather than a query: in a new session, planning a
	 * catalog join here was a millisecond of the first call.
	 */
	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_oid, BTEqualStrategyNumber, F_OIDEQ,
				ObjectIdGetDatum(ext));
	scan = systable_beginscan(rel, ExtensionOidIndexId, true, NULL, 1, &key);
	tuple = systable_getnext(scan);
	if (HeapTupleIsValid(tuple))
	{
		owner = ((Form_pg_extension) GETSTRUCT(tuple))->extowner;
		namespace = ((Form_pg_extension) GETSTRUCT(tuple))->extnamespace;
	}
	systable_endscan(scan);
	table_close(rel, AccessShareLock);

	if (!OidIsValid(owner) || (*schema = get_namespace_name(namespace)) == NULL)
		return InvalidOid;
	GetUserIdAndSecContext(saved_user, saved_sec);
	SetUserIdAndSecContext(owner, *saved_sec | SECURITY_LOCAL_USERID_CHANGE);
	return owner;
}
