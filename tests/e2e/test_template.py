"""The SAM template and the local router must list the same routes, methods and
functions, so a local URL is always the deployed one with another host."""

import pathlib
import tomllib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
FUNCTIONS = {"AuthorizeFunction": "authorize", "TokenFunction": "token", "UserinfoFunction": "userinfo",
             "AccountFunction": "account"}


class CfnLoader(yaml.SafeLoader):
    pass


def _tag(loader, _suffix, node):
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)


CfnLoader.add_multi_constructor("!", _tag)


def template_routes():
    t = yaml.load((ROOT / "infra/template.yaml").read_text(), Loader=CfnLoader)
    routes = set()
    for name, res in t["Resources"].items():
        if res["Type"] != "AWS::Serverless::Function":
            continue
        binary = res["Metadata"]["BuildProperties"]["Binary"]
        assert FUNCTIONS[name] == binary
        for ev in res["Properties"].get("Events", {}).values():
            assert ev["Type"] == "HttpApi"
            routes.add((ev["Properties"]["Path"], ev["Properties"]["Method"].upper(), binary))
    return routes


def router_routes():
    cargo = tomllib.loads((ROOT / "Cargo.toml").read_text())
    router = cargo["workspace"]["metadata"]["lambda"]["watch"]["router"]
    return {(path, r["method"].upper(), r["function"]) for path, rs in router.items() for r in rs}


def test_template_and_local_router_serve_the_same_routes():
    t, r = template_routes(), router_routes()
    assert t == r, f"only in template: {sorted(t - r)}; only in router: {sorted(r - t)}"
    assert ("/oauth/token", "POST", "token") in t and len(t) >= 12


def test_each_function_has_only_the_dynamodb_actions_its_code_calls():
    t = yaml.load((ROOT / "infra/template.yaml").read_text(), Loader=CfnLoader)
    for name in FUNCTIONS:
        props = t["Resources"][name]["Properties"]
        for policy in props["Policies"]:
            assert isinstance(policy, dict), f"{name}: only inline statements, no managed policy templates"
            for st in policy["Statement"]:
                actions = st["Action"]
                assert all("*" not in a for a in actions), f"{name}: wildcard action"
    userinfo = t["Resources"]["UserinfoFunction"]["Properties"]["Policies"][0]["Statement"]
    assert [a for st in userinfo for a in st["Action"]] == ["dynamodb:GetItem"]


def test_openapi_document_and_template_list_the_same_paths_and_methods():
    doc = yaml.safe_load((ROOT / "openapi.yaml").read_text())
    assert doc["openapi"].startswith("3.1")
    documented = {(path, m.upper()) for path, ops in doc["paths"].items() for m in ops
                  if m in ("get", "post", "put", "delete", "patch", "options", "head")}
    deployed = {(path, method) for path, method, _ in template_routes()}
    assert documented == deployed, f"only documented: {sorted(documented - deployed)}; only deployed: {sorted(deployed - documented)}"


def statements(function):
    t = yaml.load((ROOT / "infra/template.yaml").read_text(), Loader=CfnLoader)
    res = t["Resources"][function]["Properties"]
    return [s for p in res["Policies"] for s in p["Statement"]]


def leading_keys(function):
    """The key prefixes a function's table statements allow, by action (and,
    for a statement limited to some attributes, by action and attributes);
    every statement names one action (IAM per action and prefix)."""
    allowed = {}
    for s in statements(function):
        actions = s["Action"]
        if not any(a.startswith("dynamodb:") for a in actions) or "index" in str(s["Resource"]):
            continue
        assert len(actions) == 1 or function == "UserinfoFunction", f"{function}: one action per statement"
        cond = s["Condition"]
        keys = cond["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        attrs = cond.get("ForAllValues:StringEquals", {}).get("dynamodb:Attributes")
        for a in actions:
            key = (a, tuple(sorted(attrs))) if attrs else a
            assert key not in allowed, f"{function}: {key} in two statements"
            allowed[key] = set(keys)
    return allowed


def indexes(function):
    """The indexes a function may Query."""
    found = set()
    for s in statements(function):
        if s["Action"] == ["dynamodb:Query"]:
            res = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
            found |= {r.rsplit("/", 1)[-1] for r in res}
    return found


EXPECTED = {
    # Reads what the pages show and check; writes sessions, consents, new
    # authorizations, throttle counters, the cookie key, cached metadata
    # documents, and of a user only the password hash.
    "AuthorizeFunction": {
        "dynamodb:GetItem": {"client#*", "user#*", "session#*", "consent#*", "keyset", "cookie-key",
                             "cimd#*", "resources"},
        "dynamodb:PutItem": {"session#*", "grant#*", "throttle#*", "cookie-key", "cimd#*"},
        "dynamodb:UpdateItem": {"consent#*", "throttle#*"},
        ("dynamodb:UpdateItem", ("password_hash", "pk")): {"user#*"},
        "dynamodb:DeleteItem": {"session#*"},
        "dynamodb:BatchWriteItem": {"session#*"},
    },
    # Writes authorizations, throttle counters, the keyset, cached metadata
    # documents, consents (password grant), per-token items, and of a client
    # only its expiry.
    "TokenFunction": {
        "dynamodb:GetItem": {"client#*", "user#*", "grant#*", "keyset", "keyset#secret", "at#*", "rt#*",
                             "cimd#*", "resources"},
        "dynamodb:PutItem": {"grant#*", "throttle#*", "keyset", "keyset#secret", "cimd#*"},
        "dynamodb:UpdateItem": {"grant#*", "throttle#*", "consent#*", "code#*", "rt#*"},
        ("dynamodb:UpdateItem", ("expires_at", "pk")): {"client#*"},
        "dynamodb:DeleteItem": {"at#*"},
        "dynamodb:BatchWriteItem": {"code#*", "at#*", "rt#*"},
    },
    "UserinfoFunction": {"dynamodb:GetItem": {"grant#*", "keyset", "at#*"}},
    # The only function that registers clients.
    "AccountFunction": {
        "dynamodb:GetItem": {"client#*", "session#*", "cookie-key", "resources"},
        "dynamodb:BatchGetItem": {"client#*", "grant#*", "cimd#*"},
        "dynamodb:PutItem": {"client#*", "grant#*", "regtoken#*", "cookie-key"},
        "dynamodb:UpdateItem": {"regtoken#*"},
        "dynamodb:DeleteItem": {"client#*", "consent#*"},
        "dynamodb:BatchWriteItem": {"grant#*", "consent#*", "session#*"},
    },
}
INDEXES = {
    "AuthorizeFunction": {"owner-index"},
    "TokenFunction": {"family-index"},
    "UserinfoFunction": set(),
    "AccountFunction": {"owner-index", "client-index"},
}
WRITES = {"dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem", "dynamodb:BatchWriteItem"}


def test_f3_each_function_has_each_action_only_on_the_prefixes_it_uses():
    for function, expected in EXPECTED.items():
        assert leading_keys(function) == expected, function
        assert indexes(function) == INDEXES[function], function


def test_f3_only_the_account_function_writes_clients_no_function_a_whole_user_and_only_token_the_keyset():
    for function in EXPECTED:
        for key, keys in leading_keys(function).items():
            action = key if isinstance(key, str) else key[0]
            assert "*" not in keys, f"{function} {action}: every key"
            assert all(k.endswith("#*") or "*" not in k for k in keys)
            if action in WRITES:
                if function != "AccountFunction" and isinstance(key, str):
                    assert "client#*" not in keys, f"{function} {action} writes whole clients"
                assert isinstance(key, tuple) or "user#*" not in keys, f"{function} {action} writes whole users"
                if function != "TokenFunction":
                    assert not keys & {"keyset", "keyset#secret"}, f"{function} writes the keyset"
            if function != "TokenFunction":
                assert "keyset#secret" not in keys, f"{function} reads private keys"


def test_finding_13_each_function_reaches_only_the_items_it_needs():
    """Least privilege inside the table (dynamodb:LeadingKeys): userinfo cannot
    read a password hash, a client secret or a signing key's private half; only
    the token function can read the private halves; KMS by purpose."""
    userinfo = leading_keys("UserinfoFunction")
    assert userinfo == {"dynamodb:GetItem": {"grant#*", "keyset", "at#*"}}
    kms = [s for f in ["AuthorizeFunction", "UserinfoFunction", "AccountFunction"] for s in statements(f)
           if any(a.startswith("kms:") for a in s["Action"])]
    assert all(s["Condition"]["StringEquals"]["kms:EncryptionContext:purpose"] == "oauth-cookie-key" for s in kms)


def test_f15_the_first_signing_key_is_made_at_deploy_time_by_the_token_function():
    t = yaml.load((ROOT / "infra/template.yaml").read_text(), Loader=CfnLoader)
    keys = t["Resources"]["SigningKeys"]
    assert keys["Type"] == "Custom::SigningKeys"
    assert keys["Properties"]["ServiceToken"] == "TokenFunction.Arn"
