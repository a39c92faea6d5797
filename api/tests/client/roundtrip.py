"""An integrator's round trip through the real server with the client that
openapi-python-client generated, unmodified, from the served document.

Run by api/tests/generated_client.rs with the generated package on
PYTHONPATH and ORI_BASE, ORI_EMAIL, ORI_PASSWORD in the environment. Any
failed step raises, and the test fails with this script's output.
"""

import os
import uuid

from ori_client import AuthenticatedClient, Client
from ori_client.api.auth import get_me, login
from ori_client.api.carriers import (
    create_carrier,
    delete_carrier,
    get_carrier,
    list_carriers,
    update_carrier,
)
from ori_client.api.numbers import create_number, list_numbers
from ori_client.api.tokens import create_token, list_tokens, revoke_token
from ori_client.models import (
    ApiToken,
    ApiTokenCreate,
    ApiTokenCreated,
    Carrier,
    CarrierCreate,
    CarrierPage,
    CarrierPatch,
    Direction,
    LoginRequest,
    LoginResponse,
    Me,
    NumberCreate,
    PhoneNumberView,
    Problem,
    Role,
    Transport,
)

BASE = os.environ["ORI_BASE"]


def expect(response, status, model):
    assert response.status_code == status, (
        f"expected {status}, got {response.status_code}: {response.content!r}"
    )
    if model is not None:
        assert isinstance(response.parsed, model), type(response.parsed)
    return response.parsed


# Log in, then make an API token: the integrator's credential from here on.
anon = Client(base_url=BASE)
session = expect(
    login.sync_detailed(
        client=anon,
        body=LoginRequest(email=os.environ["ORI_EMAIL"], password=os.environ["ORI_PASSWORD"]),
    ),
    200,
    LoginResponse,
)
logged_in = AuthenticatedClient(base_url=BASE, token=session.token)
created = expect(
    create_token.sync_detailed(
        client=logged_in, body=ApiTokenCreate(name="roundtrip", role=Role.SUPER_ADMIN, expires_in_days=1)
    ),
    201,
    ApiTokenCreated,
)
api = AuthenticatedClient(base_url=BASE, token=created.token)
me = expect(get_me.sync_detailed(client=api), 200, Me)
assert me.role == Role.SUPER_ADMIN

# Create a carrier; the answer is typed and carries the ETag.
name = f"Roundtrip {uuid.uuid4().hex[:8]}"
response = create_carrier.sync_detailed(
    client=api,
    body=CarrierCreate(
        name=name,
        sip_address="sip.roundtrip.example:5060",
        transport=Transport.TLS,
        username="ori",
        password="digest-secret",
        outbound_cps=2.5,
    ),
)
carrier = expect(response, 201, Carrier)
assert carrier.transport == Transport.TLS and carrier.has_password
assert carrier.outbound_channels == 30  # the spec's default
etag = response.headers["etag"]
assert response.headers["location"].endswith(str(carrier.id))

# A field error comes back as a typed problem naming the field.
invalid = expect(
    create_carrier.sync_detailed(
        client=api, body=CarrierCreate(name="x", sip_address="sip:bad", outbound_burst=0)
    ),
    422,
    Problem,
)
assert {e.field for e in invalid.errors} == {"sip_address", "outbound_burst"}, invalid.errors

# List and search: a hit and a miss.
page = expect(list_carriers.sync_detailed(client=api, q=name.lower(), limit=10), 200, CarrierPage)
assert [c.id for c in page.items] == [carrier.id], page.items
miss = expect(list_carriers.sync_detailed(client=api, q="no such carrier"), 200, CarrierPage)
assert miss.items == [] and miss.total == 0

# Add a number.
number = expect(
    create_number.sync_detailed(
        carrier.id, client=api, body=NumberCreate(number="+1 415 555 0142", direction=Direction.OUTBOUND)
    ),
    201,
    PhoneNumberView,
)
assert number.e164 == "+14155550142"
numbers = list_numbers.sync_detailed(carrier.id, client=api)
assert [n.id for n in expect(numbers, 200, list)] == [number.id]

# Patch with If-Match (the ETag of a fresh read: adding a number changed the
# carrier); the old ETag is then stale: 412.
fresh = get_carrier.sync_detailed(carrier.id, client=api)
assert expect(fresh, 200, Carrier).did_count == 1
etag = fresh.headers["etag"]
response = update_carrier.sync_detailed(
    carrier.id, client=api, body=CarrierPatch(outbound_cps=5.0), if_match=etag
)
patched = expect(response, 200, Carrier)
assert patched.outbound_cps == 5.0 and patched.version > carrier.version
stale = update_carrier.sync_detailed(
    carrier.id, client=api, body=CarrierPatch(outbound_cps=6.0), if_match=etag
)
expect(stale, 412, Problem)
current = expect(get_carrier.sync_detailed(carrier.id, client=api), 200, Carrier)
assert current.outbound_cps == 5.0

# Delete with the current ETag; then it is gone.
expect(delete_carrier.sync_detailed(carrier.id, client=api, if_match=response.headers["etag"]), 204, None)
expect(get_carrier.sync_detailed(carrier.id, client=api), 404, Problem)

# The token is listed (never its secret), and once revoked it is refused at once.
tokens = expect(list_tokens.sync_detailed(client=logged_in), 200, list)
listed = [t for t in tokens if t.id == created.id]
assert len(listed) == 1 and isinstance(listed[0], ApiToken) and listed[0].last_used_at is not None
assert created.token not in str(tokens)
expect(revoke_token.sync_detailed(created.id, client=logged_in), 204, None)
expect(get_me.sync_detailed(client=api), 401, Problem)

print("round trip: ok")
