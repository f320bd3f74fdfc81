"""schemathesis hooks for `./dev fuzz` (loaded through SCHEMATHESIS_HOOKS): the fuzzer may revoke
any token except the one it is fuzzing with, which would turn the rest of its run into 401s."""

import os

import schemathesis

OWN_TOKEN_ID = os.environ.get("FUZZ_OWN_TOKEN_ID", "")


@schemathesis.hook
def before_call(context, case, kwargs):
    if (
        case.method.upper() == "DELETE"
        and case.operation.path == "/api/me/tokens/{token_id}/"
        and str((case.path_parameters or {}).get("token_id")) == OWN_TOKEN_ID
    ):
        # Someone else's (or nobody's) token: the answer is a 404, as for any other stranger's id.
        case.path_parameters["token_id"] = 2**31 - 1
