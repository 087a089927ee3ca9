"""Groups of users, and who else may reach a drive's files (permissions).

A group has at most one parent group (its members are users, and the groups whose parent it
is); nesting stops at ten levels. A permission gives a user or a group a role on a file, a
folder (and so everything under it) or, with file_id "root", a whole drive: that is how a
team drive's group reaches its drive.
"""

from __future__ import annotations

from django.db import models

from pds_server.models.directory import Domain, Drive, PdsUser


class Group(models.Model):
    domain = models.ForeignKey(Domain, on_delete=models.CASCADE, related_name="groups")
    group_id = models.CharField(max_length=64)
    group_name = models.CharField(max_length=128)
    description = models.TextField(blank=True)
    # A group with subgroups cannot be deleted (services/groups.py refuses), hence PROTECT.
    parent = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="subgroups")
    is_root = models.BooleanField(default=False)
    creator = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["domain", "group_id"], name="unique_group_id_per_domain")]
        indexes = [models.Index(fields=["domain", "group_name"])]

    def __str__(self) -> str:
        return f"{self.group_name} ({self.group_id})"


class GroupMember(models.Model):
    """A user in a group (a group in a group is `Group.parent`)."""

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="user_members")
    user = models.ForeignKey(PdsUser, on_delete=models.CASCADE, related_name="group_memberships")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="one_membership_per_user_group")]

    def __str__(self) -> str:
        return f"user {self.user_id} in group {self.group_id}"


class FilePermission(models.Model):
    class IdentityType(models.TextChoices):
        USER = "IT_User"
        GROUP = "IT_Group"

    drive = models.ForeignKey(Drive, on_delete=models.CASCADE, related_name="permissions")
    file_id = models.CharField(max_length=40)  # "root": the whole drive
    identity_type = models.CharField(max_length=16, choices=IdentityType.choices)
    identity_id = models.CharField(max_length=64)
    role_id = models.CharField(max_length=64)
    # Given to a group: true keeps it from the members of the group's subgroups.
    disinherit_sub_group = models.BooleanField(default=False)
    expire_time = models.DateTimeField(null=True, blank=True)
    granted_by = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["drive", "file_id", "identity_type", "identity_id"], name="one_permission_per_identity"
            )
        ]
        indexes = [models.Index(fields=["identity_type", "identity_id", "id"], name="permission_by_identity")]

    def __str__(self) -> str:
        return f"{self.role_id} for {self.identity_type}:{self.identity_id} on {self.file_id}"
