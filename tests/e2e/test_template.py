"""The SAM template and the local router must list the same routes, methods and
functions, so a local URL is always the deployed one with another host."""

import pathlib
import tomllib

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
FUNCTIONS = {"AuthorizeFunction": "authorize", "TokenFunction": "token", "UserinfoFunction": "userinfo"}


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
    """The key prefixes a function's table statements allow, by action."""
    allowed = {}
    for s in statements(function):
        if not any(a.startswith("dynamodb:") for a in s["Action"]) or "index" in str(s["Resource"]):
            continue
        keys = s["Condition"]["ForAllValues:StringLike"]["dynamodb:LeadingKeys"]
        for a in s["Action"]:
            allowed[a] = keys
    return allowed


def test_finding_13_each_function_reaches_only_the_items_it_needs():
    """Least privilege inside the table (dynamodb:LeadingKeys): userinfo cannot
    read a password hash, a client secret or a signing key's private half; only
    the token function can read the private halves."""
    userinfo = leading_keys("UserinfoFunction")
    assert set(userinfo) == {"dynamodb:GetItem"}
    assert set(userinfo["dynamodb:GetItem"]) == {"grant#*", "keyset", "at#*"}
    for function in ["AuthorizeFunction", "TokenFunction", "UserinfoFunction"]:
        for action, keys in leading_keys(function).items():
            assert "*" not in keys, f"{function} {action}: every key"
            assert all(k.endswith("#*") or "*" not in k for k in keys)
            if function != "TokenFunction":
                assert "keyset#secret" not in keys, f"{function} reads private keys"
    kms = [s for f in ["AuthorizeFunction", "UserinfoFunction"] for s in statements(f)
           if any(a.startswith("kms:") for a in s["Action"])]
    assert all(s["Condition"]["StringEquals"]["kms:EncryptionContext:purpose"] == "oauth-cookie-key" for s in kms)
