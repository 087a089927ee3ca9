"""Who the user is at the PDS, and the tokens Drive keeps for them, by concept:

- `signin`: the OAuth code flow (state, PKCE, callback) and the Django user it links to;
- `credentials`: the encrypted token store, its refresh under a row lock, key rotation;
- `jwt_mode`: tokens minted with the JWT app for an existing user system;
- `revocation`: sign-out, revoking the refresh token (retried by a task when the PDS is down).

The rest of Drive reaches the PDS as the signed-in user through `accounts.user_pds.UserPds`.
"""
