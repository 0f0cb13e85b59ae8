#!/usr/bin/env python3
"""Check that every name used in policies/ resolves in examples/contoso/tenant.json.

    python3 examples/contoso/check_names.py [POLICIES_DIR] [TENANT_JSON]

Resolves, the way entraform does (exact display names, case-insensitive UPNs, ids must exist):
  users         includeUsers/excludeUsers, Settings emergencyAccess.users and scenarios[].user
  groups        includeGroups/excludeGroups, Settings emergencyAccess.groups
  applications  includeApplications/excludeApplications, scenarios[].application
  locations     includeLocations/excludeLocations -> NamedLocation documents in POLICIES_DIR
  auth contexts includeAuthenticationContextClassReferences -> tenant authenticationContexts
  strengths     grantControls.authenticationStrength -> the three built-in strengths
Roles are not checked here (the emulator has the role templates built in); reserved words
(All, None, GuestsOrExternalUsers, Office365, MicrosoftAdminPortals, AllTrusted, ...) are skipped.
A name that matches nothing, or more than one object, is an error. Exit status 1 on any error.
Needs PyYAML.
"""

import json
import pathlib
import re
import sys

import yaml

HERE = pathlib.Path(__file__).resolve().parent
GUID = re.compile(r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
RESERVED_USERS = {"all", "none", "guestsorexternalusers"}
RESERVED_APPS = {"all", "none", "office365", "microsoftadminportals", "allagentidresources"}
RESERVED_LOCATIONS = {"all", "alltrusted"}
BUILTIN_STRENGTHS = {
    "Multifactor authentication": "00000000-0000-0000-0000-000000000002",
    "Passwordless MFA": "00000000-0000-0000-0000-000000000003",
    "Phishing-resistant MFA": "00000000-0000-0000-0000-000000000004",
}


def main(argv):
    policies_dir = pathlib.Path(argv[0]) if argv else HERE.parent.parent / "policies"
    tenant_path = pathlib.Path(argv[1]) if len(argv) > 1 else HERE / "tenant.json"
    tenant = json.loads(tenant_path.read_text(encoding="utf-8"))

    users_by_upn, user_ids = {}, set()
    for user in tenant.get("users", []):
        users_by_upn.setdefault(user["userPrincipalName"].lower(), []).append(user)
        user_ids.add(user["id"].lower())
    groups_by_name, group_ids = {}, set()
    for group in tenant.get("groups", []):
        groups_by_name.setdefault(group["displayName"], []).append(group)
        group_ids.add(group["id"].lower())
    apps_by_name, app_ids = {}, set()
    for sp in tenant.get("servicePrincipals", []):
        apps_by_name.setdefault(sp["displayName"], []).append(sp)
        app_ids.add(sp["appId"].lower())
    contexts = {c["id"] for c in tenant.get("authenticationContexts", [])}

    documents = []  # (file, document)
    for path in sorted(policies_dir.rglob("*")):
        if path.suffix not in (".yaml", ".yml") or any(
                part.startswith(".") for part in path.relative_to(policies_dir).parts):
            continue
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if doc is not None:
                documents.append((path.relative_to(policies_dir.parent), doc))
    locations = {doc["displayName"] for _f, doc in documents if doc.get("kind") == "NamedLocation"}

    errors, used = [], {"users": set(), "groups": set(), "applications": set(), "roles": set(),
                        "locations": set()}

    def err(where, message):
        errors.append(f"{where}: {message}")

    def one(where, what, name, matches):
        if len(matches) != 1:
            found = "no" if not matches else f"{len(matches)}"
            err(where, f"{what} '{name}' matches {found} objects in {tenant_path.name}")

    def check_user(where, ref):
        if ref.lower() in RESERVED_USERS:
            return
        if GUID.match(ref):
            if ref.lower() not in user_ids:
                err(where, f"user id {ref} does not exist")
            return
        used["users"].add(ref)
        one(where, "user", ref, users_by_upn.get(ref.lower(), []))

    def check_group(where, ref):
        if GUID.match(ref):
            if ref.lower() not in group_ids:
                err(where, f"group id {ref} does not exist")
            return
        used["groups"].add(ref)
        one(where, "group", ref, groups_by_name.get(ref, []))

    def check_app(where, ref):
        if ref.lower() in RESERVED_APPS:
            return
        if GUID.match(ref):
            if ref.lower() not in app_ids:
                err(where, f"appId {ref} is not a service principal in the tenant")
            return
        used["applications"].add(ref)
        one(where, "application", ref, apps_by_name.get(ref, []))

    def check_users_block(where, users):
        for key in ("includeUsers", "excludeUsers"):
            for ref in users.get(key) or []:
                check_user(f"{where} {key}", str(ref))
        for key in ("includeGroups", "excludeGroups"):
            for ref in users.get(key) or []:
                check_group(f"{where} {key}", str(ref))
        for key in ("includeRoles", "excludeRoles"):
            used["roles"].update(str(ref) for ref in users.get(key) or [])

    for path, doc in documents:
        kind = doc.get("kind")
        where = f"{path} ({doc.get('displayName') or doc.get('name') or kind})"
        if kind == "Settings":
            emergency = doc.get("emergencyAccess") or {}
            for ref in emergency.get("users") or []:
                check_user(f"{where} emergencyAccess.users", ref)
            for ref in emergency.get("groups") or []:
                check_group(f"{where} emergencyAccess.groups", ref)
            for scenario in doc.get("scenarios") or []:
                if "user" in scenario:
                    check_user(f"{where} scenario '{scenario.get('name')}'", scenario["user"])
                if "application" in scenario:
                    check_app(f"{where} scenario '{scenario.get('name')}'", scenario["application"])
        elif kind == "ConditionalAccessPolicy":
            conditions = doc.get("conditions") or {}
            check_users_block(where, conditions.get("users") or {})
            applications = conditions.get("applications") or {}
            for key in ("includeApplications", "excludeApplications"):
                for ref in applications.get(key) or []:
                    check_app(f"{where} {key}", str(ref))
            for ref in applications.get("includeAuthenticationContextClassReferences") or []:
                if ref not in contexts:
                    err(where, f"authentication context '{ref}' is not in the tenant")
            for key in ("includeLocations", "excludeLocations"):
                for ref in (conditions.get("locations") or {}).get(key) or []:
                    if str(ref).lower() in RESERVED_LOCATIONS:
                        continue
                    used["locations"].add(ref)
                    if ref not in locations:
                        err(f"{where} {key}", f"location '{ref}' is not declared in {policies_dir.name}/")
            strength = (doc.get("grantControls") or {}).get("authenticationStrength")
            if strength is not None and strength not in BUILTIN_STRENGTHS \
                    and strength not in BUILTIN_STRENGTHS.values():
                err(where, f"authentication strength '{strength}' is not a built-in strength")
        elif kind == "RiskResponseRule":
            check_users_block(where, (doc.get("when") or {}).get("users") or {})

    policies = sum(1 for _p, d in documents if d.get("kind") == "ConditionalAccessPolicy")
    print(f"checked {policies} policies and {len(documents) - policies} other documents "
          f"in {policies_dir} against {tenant_path}")
    for what in ("groups", "users", "applications", "locations", "roles"):
        print(f"  {what} ({len(used[what])}): {', '.join(sorted(used[what]))}")
    for line in errors:
        print(f"error: {line}", file=sys.stderr)
    print("OK: every reference resolves" if not errors else f"FAILED: {len(errors)} error(s)")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
