"""Run by test_legacy_sdk.py inside a virtualenv of its own: the legacy SDK
`alibabacloud-pds-sdk` 1.1.7 pins dependencies the 2022 SDK cannot share. It creates and
completes an upload against the live server, checking the exact success statuses."""

import json
import os
import sys

import requests
from alibabacloud_pds_sdk import models
from alibabacloud_pds_sdk.client import Client

config = models.Config(
    endpoint=os.environ["PDS_TEST_ENDPOINT"],
    domain_id="demo",
    protocol="http",
    access_token=os.environ["PDS_TEST_TOKEN"],
    expire_time="2099-01-01T00:00:00Z",
)
client = Client(config)
drive_id = os.environ["PDS_TEST_DRIVE_ID"]
data = b"legacy sdk bytes " * 1000
created = client.create_file(
    models.CreateFileRequest(
        drive_id=drive_id,
        parent_file_id="root",
        name="legacy.bin",
        type="file",
        size=len(data),
        check_name_mode="refuse",
        part_info_list=[],
    )
).body
assert created.upload_id and created.part_info_list, created
reply = requests.put(created.part_info_list[0].upload_url, data=data)
assert reply.status_code == 200, reply.text
done = client.complete_file(
    models.CompleteFileRequest(drive_id=drive_id, file_id=created.file_id, upload_id=created.upload_id)
).body
listed = client.list_file(models.ListFileRequest(drive_id=drive_id, parent_file_id="root")).body
json.dump(
    {"file_id": done.file_id, "size": done.size, "status": done.status, "names": [item.name for item in listed.items]},
    sys.stdout,
)
