"""`/v2/group/*`, `user/search` and team drives over HTTP: one test per rule — nesting depth,
cycles, one parent, other domains, who may manage, what a member loses when removed, what
a user may learn of others, and what deleting a group or a user takes with it."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from pds_server.models import App, Drive, FilePermission, Group, GroupMember
from pds_server.services.groups import group_create
from tests.factories import AppFactory, DomainFactory, PdsUserFactory
from tests.pds_server.api_client import ALL, Api, make_api

SCOPES = [*ALL, "GROUP.ALL"]


@pytest.fixture
def api_for(pds_url, make_user, jwt_app):
    def make(user_id: str, role: str = "user", **fields) -> Api:
        return make_api(pds_url, make_user(user_id, role=role, **fields), jwt_app, scopes=SCOPES)

    return make


@pytest.fixture
def admin(api_for) -> Api:
    return api_for("root", role="admin")


def expect(api: Api, path: str, body: dict, status: int, code: str | None = None) -> dict:
    reply = api.call(path, body)
    assert reply.status_code == status, f"{path}: {reply.status_code} {reply.text}"
    if code is not None:
        assert reply.json()["code"] == code, reply.text
    return reply.json() if reply.content else {}


def new_group(admin: Api, name: str, parent: str = "") -> str:
    body = {"group_name": name, **({"parent_group_id": parent} if parent else {})}
    return expect(admin, "group/create", body, 201)["group_id"]


def add(admin: Api, group_id: str, member_type: str, member_id: str, status: int = 200, code: str | None = None):
    return expect(
        admin,
        "group/add_member",
        {"group_id": group_id, "member_type": member_type, "member_id": member_id},
        status,
        code,
    )


def team_drive(admin: Api, group_id: str, name: str = "Team") -> str:
    body = {"drive_name": name, "owner": group_id, "owner_type": "group"}
    return expect(admin, "drive/create", body, 201)["drive_id"]


# --- nesting ------------------------------------------------------------------------------


def test_groups_nest_ten_levels_and_not_eleven(admin):
    chain = [new_group(admin, "level 1")]
    for level in range(2, 11):
        chain.append(new_group(admin, f"level {level}", parent=chain[-1]))
    reply = expect(
        admin,
        "group/create",
        {"group_name": "level 11", "parent_group_id": chain[-1]},
        400,
        "InvalidParameterOutOfRange.GroupDepth",
    )
    assert "10 levels" in reply["message"]
    # A two-level group fits under level 8 (ending at 10), not under level 9 (ending at 11).
    top = new_group(admin, "pair")
    new_group(admin, "pair child", parent=top)
    add(admin, chain[8], "group", top, 400, "InvalidParameterOutOfRange.GroupDepth")
    add(admin, chain[7], "group", top)
    assert Group.objects.get(group_id=top).parent.group_id == chain[7]


def test_a_group_never_joins_itself_or_its_own_subgroup(admin):
    a = new_group(admin, "A")
    b = new_group(admin, "B", parent=a)
    c = new_group(admin, "C", parent=b)
    add(admin, a, "group", a, 400, "InvalidParameter.GroupCycle")
    add(admin, c, "group", a, 400, "InvalidParameter.GroupCycle")
    add(admin, b, "group", a, 400, "InvalidParameter.GroupCycle")
    assert Group.objects.get(group_id=a).parent is None


def test_a_group_has_one_parent(admin):
    first, second, child = new_group(admin, "First"), new_group(admin, "Second"), new_group(admin, "Child")
    add(admin, first, "group", child)
    add(admin, first, "group", child)  # again: nothing changes
    add(admin, second, "group", child, 409, "AlreadyExist.GroupMember")
    expect(admin, "group/remove_member", {"group_id": first, "member_type": "group", "member_id": child}, 204)
    add(admin, second, "group", child)
    assert Group.objects.get(group_id=child).parent.group_id == second


# --- other domains -------------------------------------------------------------------------


def test_groups_and_users_of_another_domain_do_not_exist_here(admin, api_for):
    api_for("bob")
    other = DomainFactory(domain_id="acme", name="Acme")
    theirs = group_create(domain=other, group_name="Acme staff").group_id
    PdsUserFactory(domain=other, user_id="mallory")
    mine = new_group(admin, "Mine")

    expect(admin, "group/get", {"group_id": theirs}, 404, "NotFound.Group")
    add(admin, mine, "group", theirs, 404, "NotFound.Group")
    add(admin, theirs, "user", "bob", 404, "NotFound.Group")
    add(admin, mine, "user", "mallory", 404, "NotFound.User")
    body = {"drive_name": "Stolen", "owner": theirs, "owner_type": "group"}
    expect(admin, "drive/create", body, 404, "NotFound.Group")
    assert not Drive.objects.filter(drive_name="Stolen").exists()
    assert [g["group_id"] for g in expect(admin, "group/list", {}, 200)["items"]] == [mine]


def test_an_administrator_of_another_domain_cannot_reach_this_ones_groups(admin, live_server, settings):
    mine = new_group(admin, "Mine")
    other = DomainFactory(domain_id="acme", name="Acme")
    app = AppFactory(domain=other, name="x", app_type=App.AppType.JWT, public_key="-", redirect_uris=[])
    outsider = make_api(live_server.url, PdsUserFactory(domain=other, user_id="eve", role="admin"), app, SCOPES)
    port = live_server.url.rsplit(":", 1)[1]
    host = {"Host": f"acme.{settings.PDS_HOST_SUFFIX}:{port}"}
    reply = outsider.call("group/get", {"group_id": mine}, headers=host)
    assert reply.status_code == 404 and reply.json()["code"] == "NotFound.Group"
    reply = outsider.call("group/delete", {"group_id": mine}, headers=host)
    assert reply.status_code == 404 and Group.objects.filter(group_id=mine).exists()


# --- who manages ---------------------------------------------------------------------------


def test_only_administrators_manage_groups_but_every_user_reads_them(admin, api_for):
    bob = api_for("bob")
    group = new_group(admin, "Ops")
    add(admin, group, "user", "bob")
    expect(bob, "group/create", {"group_name": "Mine"}, 403, "ForbiddenNoPermission")
    expect(bob, "group/update", {"group_id": group, "group_name": "Mine"}, 403, "ForbiddenNoPermission")
    expect(bob, "group/update_name", {"group_id": group, "name": "Mine"}, 403)
    expect(bob, "group/delete", {"group_id": group}, 403)
    expect(bob, "group/add_member", {"group_id": group, "member_type": "user", "member_id": "root"}, 403)
    expect(bob, "group/remove_member", {"group_id": group, "member_type": "user", "member_id": "bob"}, 403)
    expect(bob, "drive/create", {"drive_name": "T", "owner": group, "owner_type": "group"}, 403)
    assert expect(bob, "group/get", {"group_id": group}, 200)["group_name"] == "Ops"
    assert [g["group_id"] for g in expect(bob, "group/list", {}, 200)["items"]] == [group]
    members = expect(bob, "group/list_member", {"group_id": group}, 200)
    assert members["user_items"] == [{"user_id": "bob", "user_name": "bob", "nick_name": "Bob", "avatar": ""}]
    assert GroupMember.objects.count() == 1 and Group.objects.get(group_id=group).group_name == "Ops"


def test_group_endpoints_need_the_group_scope(pds_url, make_user, jwt_app, admin):
    group = new_group(admin, "Ops")
    plain = make_api(pds_url, make_user("bob"), jwt_app)  # no GROUP.* scope
    expect(plain, "group/get", {"group_id": group}, 403, "ForbiddenNoPermission")


def test_group_names_are_checked_and_listed_by_fuzzy_name(admin):
    expect(admin, "group/create", {"group_name": "  "}, 400, "InvalidParameter.GroupName")
    expect(admin, "group/create", {"group_name": "x" * 129}, 400, "InvalidParameter.GroupName")
    expect(admin, "group/create", {}, 400, "InvalidParameterMissing.group_name")
    expect(admin, "group/create", {"group_name": "x", "parent_group_id": "nope"}, 404, "NotFound.Group")
    names = ["Design", "Backend", "Frontend", "Sales"]
    for name in names:
        new_group(admin, name)
    found = expect(admin, "group/list", {"group_name_for_fuzzy": "END"}, 200)["items"]
    assert [g["group_name"] for g in found] == ["Backend", "Frontend"]
    seen, marker = [], ""
    while True:
        page = expect(admin, "group/list", {"limit": 3, "marker": marker}, 200)
        seen += [g["group_name"] for g in page["items"]]
        marker = page["next_marker"]
        if not marker:
            break
    assert seen == names


def test_list_member_pages_through_users_then_subgroups(admin, api_for):
    group = new_group(admin, "Big")
    users = [f"user{n}" for n in range(3)]
    for user_id in users:
        api_for(user_id)
        add(admin, group, "user", user_id)
    subgroups = [new_group(admin, f"Sub {n}", parent=group) for n in range(3)]
    seen_users, seen_groups, marker = [], [], ""
    for _ in range(10):
        page = expect(admin, "group/list_member", {"group_id": group, "limit": 2, "marker": marker}, 200)
        assert len(page["user_items"]) + len(page["group_items"]) <= 2
        seen_users += [u["user_id"] for u in page["user_items"]]
        seen_groups += [g["group_id"] for g in page["group_items"]]
        marker = page["next_marker"]
        if not marker:
            break
    assert seen_users == users and seen_groups == subgroups
    assert "email" in expect(admin, "group/list_member", {"group_id": group}, 200)["user_items"][0]
    only_groups = expect(admin, "group/list_member", {"group_id": group, "member_type": "group"}, 200)
    assert only_groups["user_items"] == [] and [g["group_id"] for g in only_groups["group_items"]] == subgroups
    only_users = expect(admin, "group/list_member", {"group_id": group, "member_type": "user", "limit": 3}, 200)
    assert only_users["group_items"] == [] and only_users["next_marker"] == ""
    expect(admin, "group/list_member", {"group_id": group, "member_type": "robot"}, 400)
    expect(admin, "group/list_member", {"group_id": group, "marker": "bm90IGEgbWFya2Vy"}, 400)


# --- team drives ---------------------------------------------------------------------------


def test_a_removed_group_member_loses_the_team_drive_at_once(admin, api_for):
    bob = api_for("bob")
    outer = new_group(admin, "Outer")
    inner = new_group(admin, "Inner", parent=outer)
    add(admin, inner, "user", "bob")
    drive_id = team_drive(admin, outer)
    bob.drive_id = drive_id
    folder = bob.folder("Shared")
    uploaded = bob.upload("a.txt", b"hello", parent=folder)
    assert expect(bob, "drive/get", {"drive_id": drive_id}, 200)["owner_type"] == "group"

    # Out of the inner group's parent: the inner group no longer reaches the drive.
    expect(admin, "group/remove_member", {"group_id": outer, "member_type": "group", "member_id": inner}, 204)
    expect(bob, "drive/get", {"drive_id": drive_id}, 404, "NotFound.Drive")
    expect(bob, "file/get", {"drive_id": drive_id, "file_id": uploaded["file_id"]}, 404, "NotFound.Drive")
    add(admin, outer, "group", inner)
    assert expect(bob, "file/get", {"drive_id": drive_id, "file_id": uploaded["file_id"]}, 200)["name"] == "a.txt"

    # Bob leaves his group.
    expect(admin, "group/remove_member", {"group_id": inner, "member_type": "user", "member_id": "bob"}, 204)
    expect(bob, "file/list", {"drive_id": drive_id, "parent_file_id": folder}, 404, "NotFound.Drive")
    expect(bob, "drive/get", {"drive_id": drive_id}, 404, "NotFound.Drive")
    assert expect(bob, "drive/list_my_group_drive", {}, 200)["items"] == []
    expect(admin, "group/remove_member", {"group_id": inner, "member_type": "user", "member_id": "bob"}, 404)


def test_team_drive_gives_the_group_an_editor_role_on_its_root(admin):
    group = new_group(admin, "Team")
    drive_id = team_drive(admin, group)
    permission = FilePermission.objects.get(drive_id=drive_id)
    assert (permission.file_id, permission.identity_type, permission.identity_id, permission.role_id) == (
        "root",
        "IT_Group",
        group,
        "SystemFileEditor",
    )
    expect(admin, "drive/create", {"drive_name": "X", "owner": "ghost", "owner_type": "group"}, 404, "NotFound.Group")


def test_drive_search_covers_the_domain_for_admins_and_reachable_drives_for_users(admin, api_for):
    bob, carol = api_for("bob"), api_for("carol")
    group = new_group(admin, "Team")
    add(admin, group, "user", "bob")
    team = team_drive(admin, group, "Team Alpha")
    other_team = team_drive(admin, new_group(admin, "Else"), "Team Beta")

    def search(api: Api, **body) -> list[str]:
        return sorted(d["drive_id"] for d in expect(api, "drive/search", body, 200)["items"])

    assert search(bob) == sorted([bob.drive_id, team])
    assert search(bob, drive_name="team") == [team]
    assert search(bob, owner_type="user") == [bob.drive_id]
    assert search(carol) == [carol.drive_id]
    assert search(admin, drive_name="TEAM") == sorted([team, other_team])
    assert search(admin, owner="bob") == [bob.drive_id]
    expect(carol, "drive/get", {"drive_id": other_team}, 404, "NotFound.Drive")


# --- deleting ------------------------------------------------------------------------------


def test_deleting_a_group_refuses_subgroups_and_drives_and_takes_members_and_roles(admin, api_for):
    bob = api_for("bob")
    parent = new_group(admin, "Parent")
    child = new_group(admin, "Child", parent=parent)
    expect(admin, "group/delete", {"group_id": parent}, 400, "InvalidParameter.GroupHasSubgroups")
    owner = new_group(admin, "Owner")
    drive_id = team_drive(admin, owner)
    expect(admin, "group/delete", {"group_id": owner}, 400, "InvalidParameter.GroupOwnsDrive")
    expect(admin, "drive/delete", {"drive_id": drive_id}, 204)
    expect(admin, "group/delete", {"group_id": owner}, 204)

    add(admin, child, "user", "bob")
    FilePermission.objects.create(
        drive_id=bob.drive_id, file_id="root", identity_type="IT_Group", identity_id=child, role_id="SystemFileViewer"
    )
    expect(admin, "group/delete", {"group_id": child}, 204)
    assert not GroupMember.objects.exists() and not FilePermission.objects.exists()
    expect(admin, "group/get", {"group_id": child}, 404, "NotFound.Group")
    expect(admin, "group/delete", {"group_id": parent}, 204)


def test_deleting_a_user_takes_their_memberships_and_roles(admin, api_for):
    api_for("bob")
    carol = api_for("carol")
    group = new_group(admin, "Team")
    add(admin, group, "user", "bob")
    FilePermission.objects.create(
        drive_id=carol.drive_id, file_id="root", identity_type="IT_User", identity_id="bob", role_id="SystemFileViewer"
    )
    expect(admin, "user/delete", {"user_id": "bob"}, 204)
    assert not GroupMember.objects.exists() and not FilePermission.objects.exists()
    assert expect(admin, "group/list_member", {"group_id": group}, 200)["user_items"] == []


# --- user search ---------------------------------------------------------------------------


def test_user_search_shows_users_names_and_admins_everything(admin, api_for):
    bob = api_for("bob", email="bob@example.com", phone="555-0100")
    api_for("carol", nick_name="Carol Bobbitt", email="carol@example.com", phone="555-0101")

    def ids(api: Api, **body) -> list[str]:
        return [u["user_id"] for u in expect(api, "user/search", body, 200)["items"]]

    items = expect(bob, "user/search", {"nick_name_for_fuzzy": "BOB"}, 200)["items"]
    assert [set(item) for item in items] == [{"user_id", "user_name", "nick_name", "avatar"}] * 2
    assert sorted(item["user_id"] for item in items) == ["bob", "carol"]
    # Contact data only by its exact value: no browsing by part of an address or number.
    assert ids(bob, email="carol@example.com") == ["carol"]
    assert ids(bob, email="CAROL@example.com") == ["carol"]
    assert ids(bob, email="example.com") == []
    assert ids(bob, phone="555-01") == []
    assert ids(bob, phone="555-0101") == ["carol"]
    assert ids(bob, user_name="carol") == ["carol"]
    assert ids(bob, nick_name="Carol Bobbitt") == ["carol"]

    full = expect(admin, "user/search", {"email": "carol@example.com"}, 200)["items"]
    assert full[0]["email"] == "carol@example.com" and full[0]["phone"] == "555-0101" and full[0]["role"] == "user"
    assert ids(admin, role="admin") == ["root"]
    first = expect(admin, "user/search", {"limit": 2}, 200)
    second = expect(admin, "user/search", {"limit": 2, "marker": first["next_marker"]}, 200)
    assert len(first["items"]) == 2 and len(second["items"]) == 1 and second["next_marker"] == ""


# --- Django admin --------------------------------------------------------------------------


def test_django_admin_shows_groups_with_their_members_and_permissions(admin, api_for):
    api_for("bob")
    outer = new_group(admin, "Outer Team")
    inner = new_group(admin, "Inner Crew", parent=outer)
    add(admin, inner, "user", "bob")
    drive_id = team_drive(admin, outer)
    staff = get_user_model().objects.create_superuser("boss", "boss@example.com", "admin-password-1")
    client = Client()
    client.force_login(staff)
    listing = client.get("/admin/pds_server/group/?q=crew")
    assert listing.status_code == 200 and "Inner Crew" in listing.content.decode()
    detail = client.get(f"/admin/pds_server/group/{Group.objects.get(group_id=inner).pk}/change/")
    text = detail.content.decode()
    assert detail.status_code == 200 and "Outer Team" in text and ">bob @ " in text
    permissions = client.get("/admin/pds_server/filepermission/")
    text = permissions.content.decode()
    assert permissions.status_code == 200 and "SystemFileEditor" in text and outer in text
    assert client.get("/admin/pds_server/group/add/").status_code == 403
    assert (
        client.post(
            f"/admin/pds_server/group/{Group.objects.get(group_id=outer).pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert FilePermission.objects.get().drive_id == int(drive_id)


# --- hostile bodies ------------------------------------------------------------------------

ODD_VALUES = [True, -1, 2**70, 1.5, "x" * 300, ["a"], {"a": 1}, "\u0000"]
PEOPLE_PATHS = [
    "group/create",
    "group/get",
    "group/list",
    "group/update",
    "group/update_name",
    "group/add_member",
    "group/remove_member",
    "group/list_member",
    "user/search",
    "drive/search",
    "drive/list_my_group_drive",
    "group/delete",  # last: it succeeds once
]
PEOPLE_FIELDS = [
    "group_id",
    "group_name",
    "parent_group_id",
    "is_root",
    "description",
    "name",
    "member_type",
    "member_id",
    "limit",
    "marker",
    "group_name_for_fuzzy",
    "nick_name_for_fuzzy",
    "email",
    "drive_name",
    "owner",
]


def test_odd_bodies_get_pds_errors_never_a_server_error(admin):
    group = new_group(admin, "Target")
    for path in PEOPLE_PATHS:
        for field in PEOPLE_FIELDS:
            for value in ODD_VALUES:
                body = {"group_id": group, "member_type": "user", "member_id": "root", field: value}
                reply = admin.call(path, body)
                assert reply.status_code < 500, f"{path} {field}={value!r}: {reply.status_code} {reply.text}"
