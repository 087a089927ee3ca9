"""Run by test_accesskeys.py inside the legacy SDK's own virtualenv: the legacy SDK
`alibabacloud-pds-sdk` 1.1.7 signs with an AccessKey pair (its own ROA signer, unmodified)
to get a user's token by user id and by link info, then uses that token."""

import json
import os
import sys

from alibabacloud_pds_sdk import models
from alibabacloud_pds_sdk.client import Client

endpoint = os.environ["PDS_TEST_ENDPOINT"]
signed = Client(
    models.Config(
        endpoint=endpoint,
        domain_id="demo",
        protocol="http",
        access_key_id=os.environ["PDS_TEST_AK_ID"],
        access_key_secret=os.environ["PDS_TEST_AK_SECRET"],
    )
)
by_user_id = signed.get_user_access_token(models.GetUserAccessTokenRequest(user_id="alice")).body
by_link = signed.get_access_token_by_link_info(
    models.GetAccessTokenByLinkInfoRequest(type="mobile", identity="13800000000")
).body
as_user = Client(
    models.Config(
        endpoint=endpoint,
        domain_id="demo",
        protocol="http",
        access_token=by_user_id.access_token,
        expire_time="2099-01-01T00:00:00Z",
    )
)
me = as_user.get_user(models.GetUserRequest()).body
json.dump({"by_user_id": by_user_id.user_id, "by_link_info": by_link.user_id, "me": me.user_id}, sys.stdout)
