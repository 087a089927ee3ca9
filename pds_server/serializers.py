"""PDS JSON shapes of the records (pds-api.md section 2)."""

from __future__ import annotations

from pds_server.api import epoch_ms, iso_ms
from pds_server.models import Drive, PdsUser


def user_to_pds(user: PdsUser) -> dict:
    return {
        "domain_id": user.domain.domain_id,
        "user_id": user.user_id,
        "user_name": user.user_name,
        "nick_name": user.nick_name,
        "avatar": user.avatar,
        "email": user.email,
        "phone": user.phone,
        "role": user.role,
        "status": user.status,
        "description": user.description,
        "default_drive_id": user.default_drive_id,
        "user_data": user.user_data or {},
        "creator": user.creator,
        "created_at": epoch_ms(user.created_at),
        "updated_at": epoch_ms(user.updated_at),
        "last_login_time": epoch_ms(user.last_login_time),
    }


def drive_to_pds(drive: Drive) -> dict:
    return {
        "domain_id": drive.domain.domain_id,
        "drive_id": drive.drive_id,
        "drive_name": drive.drive_name,
        "drive_type": drive.drive_type,
        "owner": drive.owner,
        "owner_type": drive.owner_type,
        "total_size": drive.total_size if drive.total_size is not None else -1,
        "used_size": drive.used_size,
        "status": drive.status,
        "description": drive.description,
        "creator": drive.creator,
        "created_at": iso_ms(drive.created_at),
        "updated_at": iso_ms(drive.updated_at),
    }
