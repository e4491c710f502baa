"""Who set a factor set, as the member's id (factor_set.set_by): the name is shown to members
only. Written by hand, for both engines; additive. The notes written before said "; set by
<name>." in the text anyone may read: that phrase is taken out of them, and the member whose
name it was (when one member has it) is recorded in set_by, so each old note stays readable
and says the rest as before."""

import re

from piccolo.apps.migrations.auto.migration_manager import MigrationManager
from piccolo.engine import engine_finder

ID = "2026-12-01T04:07:00:000000"
VERSION = "1.38.0"
DESCRIPTION = "factor_set.set_by: the member's id instead of a name in the note"

SET_BY = re.compile(r"; set by (?P<name>.+?)\. (?=Every other factor as in )")


async def forwards():
    manager = MigrationManager(migration_id=ID, app_name="exchange", description=DESCRIPTION)

    async def add_and_move_names():
        from piccolo.querystring import QueryString

        engine = engine_finder()
        await engine.run_ddl("ALTER TABLE factor_set ADD COLUMN set_by INTEGER NULL REFERENCES member (id)")
        rows = await engine.run_querystring(
            QueryString("SELECT id, note FROM factor_set WHERE note LIKE '%; set by %'")
        )
        for row in rows:
            match = SET_BY.search(row["note"])
            if match is None:
                continue
            members = await engine.run_querystring(QueryString("SELECT id FROM member WHERE name = {}", match["name"]))
            note = SET_BY.sub(". ", row["note"], count=1)
            member = members[0]["id"] if len(members) == 1 else None
            await engine.run_querystring(
                QueryString("UPDATE factor_set SET note = {}, set_by = {} WHERE id = {}", note, member, row["id"])
            )

    manager.add_raw(add_and_move_names)
    return manager
