"""The embedded PDS keeps its records in its own database (alias `pds`), as the PDS cloud
would: the drive app may hold a lock on its own database while it waits on the PDS (a
token refresh under a row lock), and with SQLite a lock is on the whole file."""

PDS_APP = "pds_server"
PDS_DB = "pds"


class PdsRouter:
    def db_for_read(self, model, **hints):
        return PDS_DB if model._meta.app_label == PDS_APP else None

    db_for_write = db_for_read

    def allow_relation(self, obj1, obj2, **hints):
        in_pds = {obj1._meta.app_label == PDS_APP, obj2._meta.app_label == PDS_APP}
        return None if len(in_pds) == 1 else False

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        if app_label == PDS_APP:
            return db == PDS_DB
        return db != PDS_DB
