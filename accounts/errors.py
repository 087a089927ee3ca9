"""What can go wrong with a user's access to the PDS; each message is shown to the person."""


class SignInError(Exception):
    """A sign-in that cannot complete."""


class CredentialDead(Exception):
    """The grant is gone (invalid_grant), or there never was one: the user must sign in again."""


class PdsUnavailable(Exception):
    """The PDS could not be reached or failed; the tokens are kept, try again later."""
