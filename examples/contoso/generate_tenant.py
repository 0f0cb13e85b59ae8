#!/usr/bin/env python3
"""Generate examples/contoso/tenant.json, the Graph emulator seed for the Contoso example tenant.

Deterministic: object ids are UUIDv5 values derived from stable keys (a UPN, a group name, an
appId), every random choice comes from one random.Random with a fixed seed, and the output is
written with a fixed layout. Running the script again rewrites tenant.json byte for byte.
Standard library only.

    python3 examples/contoso/generate_tenant.py           # rewrite tenant.json next to this file
    python3 examples/contoso/generate_tenant.py --check   # exit 1 if tenant.json is out of date

The tenant is consistent with ../../policies: every group, user and application the policies and
entraform.yaml name exists here (see check_names.py).
"""

import datetime as dt
import hashlib
import json
import pathlib
import random
import sys
import unicodedata
import uuid

SEED = 20261122
NOW = dt.datetime(2026, 11, 22, 0, 0, 0, tzinfo=dt.timezone.utc)  # "today" for risk ages
TENANT_ID = "6f1c2a9e-3b8d-4e57-a0c4-9d2e7f813b65"
NAMESPACE = uuid.UUID("0b7e6d3a-52f4-4c1e-9a8b-3f6d1c2e5a70")  # namespace for uuid5 ids
DOMAIN = "contoso.com"
INITIAL_DOMAIN = "contoso.onmicrosoft.com"

rng = random.Random(SEED)


def stable_id(kind, key):
    """A GUID that depends only on (kind, key), so adding objects never renumbers others."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def random_guid():
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def slug(text):
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return "".join(ch for ch in ascii_text.lower() if ch.isalnum())


def graph_time(moment):
    """Graph's timestamp form: 7 fractional digits and Z (last digit non-zero, so nothing trims)."""
    fraction = rng.randint(0, 999999) * 10 + rng.randint(1, 9)
    return moment.strftime("%Y-%m-%dT%H:%M:%S") + f".{fraction:07d}Z"


# ---------------------------------------------------------------------------------------------
# People
# ---------------------------------------------------------------------------------------------

FIRST_NAMES = [
    "Emma", "Lucas", "Sophie", "Daan", "Julia", "Noah", "Sanne", "Milan", "Lisa", "Thijs",
    "Fleur", "Bram", "Anouk", "Jesse", "Iris", "Ruben", "Eva", "Sem", "Lotte", "Finn",
    "Olivia", "James", "Amelia", "Oliver", "Isla", "Harry", "Grace", "George", "Chloe", "Jack",
    "Emily", "Liam", "Ava", "Ethan", "Mia", "Mason", "Harper", "Logan", "Zoe", "Nathan",
    "Priya", "Ravi", "Mei", "Wei", "Fatima", "Youssef", "Aisha", "Omar", "Sofia", "Mateo",
    "Lena", "Jonas", "Clara", "Felix", "Ines", "Hugo", "Camille", "Louis", "Elif", "Mehmet",
    "Hannah", "David", "Sara", "Daniel", "Nora", "Adam", "Maya", "Samuel", "Leila", "Tomas",
]
LAST_NAMES = [
    "de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder", "de Groot",
    "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer", "de Wit", "Dijkstra",
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson",
    "Wright", "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Hughes",
    "King", "Patel", "Kumar", "Chen", "Wang", "Nguyen", "Kim", "Garcia", "Martinez", "Lopez",
    "Rossi", "Muller", "Schmidt", "Schneider", "Fischer", "Weber", "Dubois", "Laurent", "Moreau",
    "Yilmaz", "Kaya", "El Amrani", "Haddad", "Novak", "Kowalski", "Nielsen", "Larsen", "Andersson",
]

# Department -> (head count, office, sub-teams). Sub-team head counts are taken from the department.
DEPARTMENTS = [
    ("Finance", 18, "Amsterdam", []),
    ("Human Resources", 10, "Amsterdam", []),
    ("Sales", 34, None, [("Sales - EMEA", 18, "London"), ("Sales - Americas", 16, "Seattle")]),
    ("Marketing", 14, "London", []),
    ("Engineering", 44, None, [("Engineering - Platform", 16, "Amsterdam"),
                               ("Engineering - Mobile", 14, "Seattle"),
                               ("Engineering - Data", 14, "Amsterdam")]),
    ("IT Operations", 12, "Amsterdam", []),
    ("Legal", 6, "Amsterdam", []),
    ("Customer Support", 22, None, []),
    ("Research", 10, "Seattle", []),
    ("Executive Leadership", 6, "Amsterdam", []),
    ("Facilities", 5, None, []),
    ("Procurement", 6, "Amsterdam", []),
]
OFFICES = ["Amsterdam", "London", "Seattle"]

# People the policies, scenarios, role assignments and risk data refer to by name.
NAMED_PEOPLE = {
    "Finance": [("Emma", "de Vries"), ("Pieter", "van Dijk"), ("Charlotte", "Evans")],
    "IT Operations": [("Lucas", "Jansen"), ("Sophie", "Bakker"), ("Daan", "Visser"),
                      ("Fatima", "El Amrani"), ("Noah", "Smit"), ("Sanne", "Mulder"),
                      ("Tom", "Hughes"), ("Lisa", "Meijer"), ("Ravi", "Kumar")],
    "Engineering - Platform": [("Mei", "Chen")],
    "Human Resources": [("Anna", "Kowalski")],
    "Sales - EMEA": [("James", "Wilson"), ("Marco", "Rossi")],
    "Sales - Americas": [("Ashley", "Johnson"), ("Carlos", "Garcia")],
    "Marketing": [("Priya", "Patel")],
    "Procurement": [("Oliver", "King")],
}

users = []            # seed user objects, in output order
user_by_upn = {}
dept_members = {}     # group name -> [user ids]
office_members = {office: [] for office in OFFICES}
people = []           # (user, department-or-team, office) for staff


def add_user(upn, display_name, *, enabled=True, user_type="Member"):
    upn_key = upn.lower()
    if upn_key in user_by_upn:
        raise ValueError(f"duplicate UPN {upn}")
    user = {
        "id": stable_id("user", upn_key),
        "userPrincipalName": upn,
        "displayName": display_name,
        "accountEnabled": enabled,
        "userType": user_type,
    }
    users.append(user)
    user_by_upn[upn_key] = user
    return user


def unique_staff_upn(first, last):
    base = f"{slug(first)}.{slug(last)}"
    upn, n = f"{base}@{DOMAIN}", 2
    while upn.lower() in user_by_upn:
        upn, n = f"{base}{n}@{DOMAIN}", n + 1
    return upn


used_names = set()


def random_person():
    while True:
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        if (first, last) not in used_names:
            used_names.add((first, last))
            return first, last


for first, last in (p for group in NAMED_PEOPLE.values() for p in group):
    used_names.add((first, last))

# Emergency access (cloud-only, on the initial domain, no dependency on federation).
breakglass1 = add_user(f"breakglass1@{INITIAL_DOMAIN}", "Emergency Access Account 1")
breakglass2 = add_user(f"breakglass2@{INITIAL_DOMAIN}", "Emergency Access Account 2")

# Staff, department by department.
for dept, count, office, teams in DEPARTMENTS:
    units = teams if teams else [(dept, count, office)]
    dept_members[dept] = []
    for unit, unit_count, unit_office in units:
        dept_members.setdefault(unit, [])
        named = NAMED_PEOPLE.get(unit, [])
        for i in range(unit_count):
            first, last = named[i] if i < len(named) else random_person()
            person_office = unit_office or rng.choice(OFFICES)
            user = add_user(unique_staff_upn(first, last), f"{first} {last}")
            dept_members[unit].append(user["id"])
            office_members[person_office].append(user["id"])
            people.append((user, unit, person_office))

# Leavers: accounts disabled by HR but not yet deleted (still members of their old groups).
leavers = rng.sample([u for u, unit, _ in people if unit in ("Sales - EMEA", "Customer Support",
                                                             "Marketing", "Research")], 5)
for user in leavers:
    user["accountEnabled"] = False

# Separate cloud-only admin accounts (tier separation): adm-<first>.<last>.
ADMINS = [
    ("Lucas", "Jansen", ["Global Administrator"]),
    ("Sophie", "Bakker", ["Global Administrator"]),
    ("Daan", "Visser", ["Privileged Role Administrator", "Security Administrator"]),
    ("Fatima", "El Amrani", ["Security Administrator", "Conditional Access Administrator"]),
    ("James", "Wilson", ["Exchange Administrator"]),
    ("Priya", "Patel", ["SharePoint Administrator", "Teams Administrator"]),
    ("Noah", "Smit", ["Intune Administrator"]),
    ("Sanne", "Mulder", ["User Administrator", "Helpdesk Administrator"]),
    ("Tom", "Hughes", ["Helpdesk Administrator"]),
    ("Mei", "Chen", ["Application Administrator", "Cloud Application Administrator"]),
    ("Oliver", "King", ["Billing Administrator"]),
    ("Lisa", "Meijer", ["Authentication Administrator", "Password Administrator",
                        "Privileged Authentication Administrator"]),
    ("Ravi", "Kumar", ["Global Reader", "Security Reader"]),
]
admin_accounts = []
role_members = {}
for first, last, roles in ADMINS:
    admin = add_user(f"adm-{slug(first)}.{slug(last)}@{DOMAIN}", f"ADM {first} {last}")
    admin_accounts.append((admin, roles))
    for role in roles:
        role_members.setdefault(role, []).append(admin["id"])
role_members["Global Administrator"] = [breakglass1["id"], breakglass2["id"]] + \
    role_members["Global Administrator"]

# Legacy user-based service accounts (cannot do MFA; fenced by CA600).
SERVICE_ACCOUNTS = [
    ("svc-scan2mail", "Service - Scan to Mail (MFP relay)"),
    ("svc-backup", "Service - Backup Agent"),
    ("svc-pbi-gateway", "Service - Power BI Gateway"),
    ("svc-spo-migration", "Service - SharePoint Migration"),
    ("svc-hr-sync", "Service - HR Provisioning Sync"),
    ("svc-reporting", "Service - Reporting Server"),
]
service_accounts = [add_user(f"{name}@{DOMAIN}", display) for name, display in SERVICE_ACCOUNTS]
retired_service_account = add_user(f"svc-legacy-crm@{DOMAIN}", "Service - Legacy CRM Connector",
                                   enabled=False)

# Entra Connect sync account (holds the Directory Synchronization Accounts role).
sync_account = add_user(f"Sync_CONTOSO-AADC01_5f2a1c9e8b3d@{INITIAL_DOMAIN}",
                        "On-Premises Directory Synchronization Service Account")
role_members["Directory Synchronization Accounts"] = [sync_account["id"]]

# Teams Rooms resource accounts (use device code flow; excluded from CA103 via their group).
ROOMS = [
    ("room-ams-rembrandt", "Amsterdam - Rembrandt (Teams Room)"),
    ("room-ams-vermeer", "Amsterdam - Vermeer (Teams Room)"),
    ("room-lon-thames", "London - Thames (Teams Room)"),
    ("room-sea-rainier", "Seattle - Rainier (Teams Room)"),
]
rooms = [add_user(f"{name}@{DOMAIN}", display) for name, display in ROOMS]

# B2B guests: UPN <mail with @ replaced by _>#EXT#@<initial domain>.
PARTNERS = [
    ("fabrikam.com", "Fabrikam", [("Olivia", "Brown"), ("Henry", "Clark"), ("Ella", "Lewis"),
                                  ("Jacob", "Young"), ("Sophia", "Allen")]),
    ("northwindtraders.com", "Northwind Traders", [("Lucy", "Scott"), ("Ryan", "Adams"),
                                                   ("Megan", "Baker"), ("Dylan", "Nelson")]),
    ("adatum.com", "Adatum", [("Katrin", "Vogel"), ("Stefan", "Braun"), ("Julia", "Hofmann")]),
    ("tailspintoys.com", "Tailspin Toys", [("Marie", "Lefevre"), ("Antoine", "Girard")]),
    ("woodgrovebank.com", "Woodgrove Bank", [("Rachel", "Turner"), ("Kevin", "Parker")]),
    ("litware.com", "Litware", [("Nina", "Horvat"), ("Pavel", "Dvorak"), ("Eva", "Svobodova"),
                                ("Jan", "Novotny")]),
]
guests_by_partner = {}
for domain, _company, names in PARTNERS:
    for first, last in names:
        mail = f"{slug(first)}.{slug(last)}@{domain}"
        upn = mail.replace("@", "_") + f"#EXT#@{INITIAL_DOMAIN}"
        guest = add_user(upn, f"{first} {last}", user_type="Guest")
        guests_by_partner.setdefault(domain, []).append(guest["id"])
all_guest_ids = [gid for ids in guests_by_partner.values() for gid in ids]


def uid(upn):
    return user_by_upn[upn.lower()]["id"]


# ---------------------------------------------------------------------------------------------
# Groups
# ---------------------------------------------------------------------------------------------

groups = []
group_by_name = {}


def add_group(name, members):
    if name in group_by_name:
        raise ValueError(f"duplicate group {name}")
    if len(set(members)) != len(members):
        raise ValueError(f"duplicate member in {name}")
    group = {"id": stable_id("group", name), "displayName": name, "members": list(members)}
    groups.append(group)
    group_by_name[name] = group
    return group


def gid(name):
    return group_by_name[name]["id"]


def staff_sample(k, units=None):
    pool = [u["id"] for u, unit, _ in people
            if u["accountEnabled"] and (units is None or unit in units)]
    return rng.sample(pool, k)


# Emergency access and CA exclusion groups (the ones the policies name) ...
add_group("CA-BreakGlass", [breakglass1["id"], breakglass2["id"]])
add_group("CA-ServiceAccounts", [u["id"] for u in service_accounts])
add_group("Teams Rooms Devices", [u["id"] for u in rooms])
add_group("CA-Exclude-DeviceCodeFlow", [gid("Teams Rooms Devices")])
add_group("CA-Exclude-TravelException", [uid("marco.rossi@contoso.com"),
                                         uid("carlos.garcia@contoso.com"),
                                         uid("ashley.johnson@contoso.com")])
# ... and look-alikes, so a typo gets a "did you mean" rather than a silent match.
add_group("CA-BreakGlass-Legacy", [])
add_group("CA-ServiceAccounts-Legacy", [retired_service_account["id"]])
add_group("CA-Exclude-Travel", [])

# Organisation: departments (with nested sub-teams) inside All Staff.
for dept, _count, _office, teams in DEPARTMENTS:
    for team, _n, _o in teams:
        add_group(team, dept_members[team])
for dept, _count, _office, teams in DEPARTMENTS:
    members = [gid(team) for team, _n, _o in teams] if teams else dept_members[dept]
    add_group(dept, members)
add_group("All Staff", [gid(dept) for dept, _c, _o, _t in DEPARTMENTS])
add_group("All Staff (Legacy)", [])
add_group("Finance Team", staff_sample(8, {"Finance"}))
for office in OFFICES:
    add_group(f"{office} Office", office_members[office])

# Administration and security.
add_group("Tier 0 Administrators", [a["id"] for a, roles in admin_accounts
                                    if {"Global Administrator", "Privileged Role Administrator",
                                        "Privileged Authentication Administrator"} & set(roles)])
add_group("Privileged Access Workstation Users", [a["id"] for a, _r in admin_accounts])
add_group("IT Helpdesk", [uid("tom.hughes@contoso.com"), uid("sanne.mulder@contoso.com")] +
          [u for u in dept_members["IT Operations"]
           if u not in (uid("tom.hughes@contoso.com"), uid("sanne.mulder@contoso.com"))][:3])
add_group("Security Team", [uid("fatima.elamrani@contoso.com"), uid("daan.visser@contoso.com"),
                            uid("lisa.meijer@contoso.com")])
add_group("Azure Subscription Owners", [uid("lucas.jansen@contoso.com"), uid("mei.chen@contoso.com")]
          + staff_sample(3, {"Engineering - Platform"}))

# External collaboration.
add_group("External - Fabrikam Partners", guests_by_partner["fabrikam.com"])
add_group("External - Northwind Traders", guests_by_partner["northwindtraders.com"])
add_group("All Guests", all_guest_ids)
add_group("Project Falcon", staff_sample(6, {"Engineering - Data", "Research"}) +
          guests_by_partner["adatum.com"] + guests_by_partner["litware.com"][:2])

# Licensing (group-based licensing, nested).
add_group("License - Microsoft 365 E5", [gid("All Staff")])
add_group("License - Microsoft 365 E3", [gid("Customer Support"), gid("Facilities")])
add_group("License - Entra ID P2", [gid("All Staff"), gid("Tier 0 Administrators")])
add_group("License - Power BI Pro", [gid("Finance"), gid("Engineering - Data")] + staff_sample(4, {"Sales - EMEA", "Sales - Americas"}))

# Pilots, features and everything else a real directory accumulates.
add_group("Intune Pilot - Windows 11", staff_sample(12, {"IT Operations", "Engineering - Platform"}))
add_group("Intune Pilot - macOS", staff_sample(8, {"Engineering - Mobile", "Marketing"}))
add_group("Passwordless Pilot", [gid("IT Operations"), gid("Security Team")])
add_group("SSPR Enabled Users", [gid("All Staff")])
add_group("VPN Users", staff_sample(25))
add_group("Developers", [gid("Engineering - Platform"), gid("Engineering - Mobile"),
                         gid("Engineering - Data")])
add_group("Teams Champions", staff_sample(9))
add_group("Contractors", staff_sample(7, {"Engineering - Mobile", "Customer Support", "Marketing"}))
add_group("Leavers - Disabled Accounts", [u["id"] for u in leavers])
add_group("Hybrid Workers", staff_sample(40))
add_group("Power Platform Makers", staff_sample(10, {"Finance", "Human Resources", "Marketing",
                                                     "Customer Support"}))
add_group("SharePoint Site Owners", staff_sample(12))
add_group("Executive Assistants", staff_sample(3, {"Human Resources", "Finance"}))
add_group("Sensitive Data - Finance Readers", [gid("Finance"), gid("Executive Leadership")])
add_group("Sensitive Data - HR Readers", [gid("Human Resources"), gid("Executive Leadership")])

# ---------------------------------------------------------------------------------------------
# Roles, applications, authentication contexts
# ---------------------------------------------------------------------------------------------

ROLE_ORDER = [
    "Global Administrator", "Privileged Role Administrator",
    "Privileged Authentication Administrator", "Security Administrator",
    "Conditional Access Administrator", "Exchange Administrator", "SharePoint Administrator",
    "Teams Administrator", "Intune Administrator", "User Administrator", "Helpdesk Administrator",
    "Password Administrator", "Authentication Administrator", "Application Administrator",
    "Cloud Application Administrator", "Billing Administrator", "Global Reader",
    "Security Reader", "Directory Synchronization Accounts",
]
assert set(ROLE_ORDER) == set(role_members), set(ROLE_ORDER) ^ set(role_members)
role_assignments = [{"role": role, "members": role_members[role]} for role in ROLE_ORDER]

# Real first-party applications (appId -> display name as it appears in tenants).
FIRST_PARTY_APPS = [
    ("00000002-0000-0ff1-ce00-000000000000", "Office 365 Exchange Online"),
    ("00000003-0000-0ff1-ce00-000000000000", "Office 365 SharePoint Online"),
    ("00000004-0000-0ff1-ce00-000000000000", "Skype for Business Online"),
    ("00000005-0000-0ff1-ce00-000000000000", "Office 365 Yammer"),
    ("00000006-0000-0ff1-ce00-000000000000", "Microsoft Office 365 Portal"),
    ("00000007-0000-0ff1-ce00-000000000000", "Microsoft Exchange Online Protection"),
    ("00000003-0000-0000-c000-000000000000", "Microsoft Graph"),
    ("00000002-0000-0000-c000-000000000000", "Windows Azure Active Directory"),
    ("00000001-0000-0000-c000-000000000000", "Azure ESTS Service"),
    ("797f4846-ba00-4fd7-ba43-dac1f8f63013", "Windows Azure Service Management API"),
    ("c44b4083-3bb0-49c1-b47d-974e53cbdf3c", "Azure Portal"),
    ("04b07795-8ddb-461a-bbee-02f9e1bf7b46", "Microsoft Azure CLI"),
    ("1950a258-227b-4e31-a9cf-717495945fc2", "Microsoft Azure PowerShell"),
    ("14d82eec-204b-4c2f-b7e8-296a70dab67e", "Microsoft Graph Command Line Tools"),
    ("0000000a-0000-0000-c000-000000000000", "Microsoft Intune"),
    ("d4ebce55-015a-49b5-a083-c84d1797ae8c", "Microsoft Intune Enrollment"),
    ("9ba1a5c7-f17a-4de9-a1f1-6178c8d51223", "Microsoft Intune Company Portal"),
    ("74bcdadc-2fdc-4bb3-8459-76d06952a0e9", "Microsoft Intune Web Company Portal"),
    ("0a5f63c0-b750-4f38-a71c-4fc0d58b89e2", "Microsoft Mobile Application Management"),
    ("cbfda01c-c883-45aa-aedc-e7a484615620", "Microsoft Windows AutoPilot Service API"),
    ("01cb2876-7ebd-4aa4-9cc9-d28bd4d359a9", "Device Registration Service"),
    ("29d9ed98-a469-4536-ade2-f981bc1d605e", "Microsoft Authentication Broker"),
    ("cc15fd57-2c6c-4117-a88c-83b1d56b4bbe", "Microsoft Teams Services"),
    ("1fec8e78-bce4-4aaf-ab1b-5451cc387264", "Microsoft Teams"),
    ("5e3ce6c0-2b1f-4285-8d4b-75ee78787346", "Microsoft Teams Web Client"),
    ("00b41c95-dab0-4487-9791-b9d2c32c80f2", "Office 365 Management"),
    ("c5393580-f805-4401-95e8-94b7a6ef2fc2", "Office 365 Management APIs"),
    ("00000007-0000-0000-c000-000000000000", "Dataverse"),
    ("475226c6-020e-4fb2-8a90-7a972cbfc1d4", "PowerApps Service"),
    ("00000009-0000-0000-c000-000000000000", "Power BI Service"),
    ("0000000c-0000-0000-c000-000000000000", "Microsoft App Access Panel"),
    ("2793995e-0a7d-40d7-bd35-6968ba142197", "My Apps"),
    ("ba9ff945-a723-4ab5-a977-bd8c9044fe61", "My Staff"),
    ("4345a7b9-9a63-4910-a426-35363201d503", "O365 Suite UX"),
    ("4765445b-32c6-49b0-83e6-1d93765276ca", "OfficeHome"),
    ("89bee1f7-5e6e-4d8a-9f3d-ecd601259da7", "Office365 Shell WCSS-Client"),
    ("d3590ed6-52b3-4102-aeff-aad2292ab01c", "Microsoft Office"),
    ("27922004-5251-4030-b22d-91ecd9a37ea4", "Outlook Mobile"),
    ("5d661950-3475-41cd-a2c3-d671a3162bc1", "Microsoft Outlook"),
    ("00000012-0000-0000-c000-000000000000", "Microsoft Rights Management Services"),
    ("05a65629-4c1b-48c1-a78b-804c4abdd4af", "Microsoft Cloud App Security"),
    ("fc780465-2017-40d4-a0c5-307022471b92", "WindowsDefenderATP"),
    ("499b84ac-1321-427f-aa17-267ca6975798", "Azure DevOps"),
    ("cfa8b339-82a2-471a-a3c9-0fc0be7a4093", "Azure Key Vault"),
    ("9cdead84-a844-4324-93f2-b2e6bb768d07", "Azure Virtual Desktop"),
    ("0af06dc6-e4b5-4f28-818e-e78e62d137a5", "Windows 365"),
    ("a4a365df-50f1-4397-bc59-1a1564b8bb9c", "Microsoft Remote Desktop"),
    ("372140e0-b3b7-4226-8ef9-d57986796201", "Azure Windows VM Sign-In"),
    ("ce6ff14a-7fdc-4685-bbe0-f6afdfcfa8e0", "Azure Linux VM Sign-In"),
    ("65d91a3d-ab74-42e6-8a2f-0add61688c74", "Microsoft Approval Management"),
]
# Contoso's own line-of-business applications (ids made up here, stable).
LOB_APPS = [
    "Contoso Partner Portal",
    "Contoso Expense Tracker",
    "Contoso HR Self-Service",
    "Contoso Field Service Mobile",
    "Contoso Intranet",
]
service_principals = []
for app_id, name in FIRST_PARTY_APPS:
    service_principals.append({"id": stable_id("servicePrincipal", app_id), "appId": app_id,
                               "displayName": name})
for name in LOB_APPS:
    app_id = stable_id("application", name)
    service_principals.append({"id": stable_id("servicePrincipal", app_id), "appId": app_id,
                               "displayName": name})
assert len({sp["appId"] for sp in service_principals}) == len(service_principals)
assert len({sp["displayName"] for sp in service_principals}) == len(service_principals)

authentication_contexts = [{
    "id": "c1",
    "displayName": "Sensitive data",
    "description": "Finance and HR SharePoint sites and content labelled Highly Confidential.",
    "isAvailable": True,
}]

applications = [
    {
        "clientId": stable_id("application", "entraform-ci"),
        "displayName": "entraform-ci",
        "secret": "emulator-only.entraform-ci.not-a-real-secret",
        "permissions": [
            "Policy.Read.All", "Policy.ReadWrite.ConditionalAccess", "Application.Read.All",
            "User.Read.All", "Group.Read.All", "RoleManagement.Read.Directory",
            "IdentityRiskyUser.ReadWrite.All", "IdentityRiskEvent.Read.All", "Agreement.Read.All", "User.RevokeSessions.All",
        ],
        "federatedCredentials": [{
            "issuer": "https://token.actions.githubusercontent.com",
            "subject": "repo:contoso/identity-policies:ref:refs/heads/main",
            "audiences": ["api://AzureADTokenExchange"],
        }],
    },
    {
        "clientId": stable_id("application", "entraform-plan-readonly"),
        "displayName": "entraform-plan-readonly",
        "secret": "emulator-only.entraform-plan-readonly.not-a-real-secret",
        "permissions": [
            "Policy.Read.All", "Application.Read.All", "User.Read.All", "Group.Read.All",
            "RoleManagement.Read.Directory", "IdentityRiskyUser.Read.All",
            "IdentityRiskEvent.Read.All", "Agreement.Read.All",
        ],
        "federatedCredentials": [{
            "issuer": "https://token.actions.githubusercontent.com",
            "subject": "repo:contoso/identity-policies:pull_request",
            "audiences": ["api://AzureADTokenExchange"],
        }],
    },
]

# One live policy made in the portal before entraform: no "CA" prefix, so out of scope.
legacy_policy_id = stable_id("policy", "Legacy - Require MFA for Azure (created in portal)")
legacy_policy = {
    "id": legacy_policy_id,
    "templateId": None,
    "displayName": "Legacy - Require MFA for Azure (created in portal)",
    "createdDateTime": "2024-03-14T09:21:47.3318205Z",
    "modifiedDateTime": "2025-06-02T15:04:12.8806431Z",
    "state": "enabled",
    "deletedDateTime": None,
    "sessionControls": None,
    "conditions": {
        "applications": {
            "applicationFilter": None,
            "excludeApplications": [],
            "includeApplications": ["797f4846-ba00-4fd7-ba43-dac1f8f63013"],
            "includeAuthenticationContextClassReferences": [],
            "includeUserActions": [],
        },
        "authenticationFlows": None,
        "clientAppTypes": ["all"],
        "clientApplications": None,
        "devices": None,
        "insiderRiskLevels": None,
        "locations": None,
        "platforms": None,
        "servicePrincipalRiskLevels": [],
        "signInRiskLevels": [],
        "userRiskLevels": [],
        "users": {
            "excludeGroups": [],
            "excludeGuestsOrExternalUsers": None,
            "excludeRoles": [],
            "excludeUsers": [breakglass1["id"]],
            "includeGroups": [gid("Azure Subscription Owners")],
            "includeGuestsOrExternalUsers": None,
            "includeRoles": [],
            "includeUsers": [],
        },
    },
    "grantControls": {
        "operator": "OR",
        "builtInControls": ["mfa"],
        "customAuthenticationFactors": [],
        "termsOfUse": [],
        "authenticationStrength@odata.context":
            "https://graph.microsoft.com/v1.0/$metadata#identity/conditionalAccess/policies('"
            + legacy_policy_id + "')/grantControls/authenticationStrength/$entity",
        "authenticationStrength": None,
    },
}

# ---------------------------------------------------------------------------------------------
# Identity Protection: risky users and their detections
# ---------------------------------------------------------------------------------------------

PLACES = {
    "amsterdam": ("Amsterdam", "Noord-Holland", "NL", 52.3676, 4.9041),
    "rotterdam": ("Rotterdam", "Zuid-Holland", "NL", 51.9244, 4.4777),
    "london": ("London", "England", "GB", 51.5072, -0.1276),
    "seattle": ("Seattle", "Washington", "US", 47.6062, -122.3321),
    "frankfurt": ("Frankfurt am Main", "Hessen", "DE", 50.1109, 8.6821),
    "moscow": ("Moscow", "Moscow", "RU", 55.7558, 37.6173),
    "lagos": ("Lagos", "Lagos", "NG", 6.5244, 3.3792),
    "saopaulo": ("Sao Paulo", "Sao Paulo", "BR", -23.5558, -46.6396),
    "singapore": ("Singapore", "Singapore", "SG", 1.3521, 103.8198),
    "bucharest": ("Bucharest", "Bucuresti", "RO", 44.4268, 26.1025),
    "hanoi": ("Hanoi", "Ha Noi", "VN", 21.0278, 105.8342),
    "beijing": ("Beijing", "Beijing", "CN", 39.9042, 116.4074),
    "toronto": ("Toronto", "Ontario", "CA", 43.6532, -79.3832),
    "kyiv": ("Kyiv", "Kyiv", "UA", 50.4501, 30.5234),
}
HOME_PLACES = ["amsterdam", "rotterdam", "london", "seattle"]
FOREIGN_PLACES = ["moscow", "lagos", "saopaulo", "singapore", "bucharest", "hanoi", "beijing",
                  "kyiv", "toronto", "frankfurt"]

USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36 Edg/130.0.0.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148",
    "Mozilla/5.0 (Linux; Android 15; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Mobile Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:132.0) Gecko/20100101 Firefox/132.0",
    "python-requests/2.32.3",
    "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.18129; Pro)",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "BAV2ROPC",
]

# riskEventType -> (activity, timing choices, level choices, suspicious-origin?, MITRE techniques)
DETECTION_TYPES = {
    "leakedCredentials": ("user", ["offline"], ["high"], False, "T1589.001"),
    "anonymizedIPAddress": ("signin", ["realtime"], ["medium", "low"], True, "T1090.003,T1078"),
    "unfamiliarFeatures": ("signin", ["realtime"], ["low", "medium", "high"], True, "T1078"),
    "unlikelyTravel": ("signin", ["offline"], ["medium", "low"], True, "T1078"),
    "impossibleTravel": ("signin", ["offline"], ["medium"], True, "T1078"),
    "passwordSpray": ("signin", ["offline", "realtime"], ["high", "medium"], True, "T1110.003"),
    "maliciousIPAddress": ("signin", ["offline"], ["high", "medium"], True, "T1078"),
    "newCountry": ("signin", ["offline"], ["low", "medium"], True, None),
    "suspiciousInboxForwarding": ("user", ["offline"], ["medium", "low"], False, "T1114.003"),
    "mcasSuspiciousInboxManipulationRules": ("user", ["offline"], ["medium"], False, "T1564.008"),
    "anomalousToken": ("signin", ["offline", "realtime"], ["medium", "high"], True, "T1528,T1550.004"),
    "suspiciousBrowser": ("signin", ["offline"], ["medium"], True, None),
    "attackerinTheMiddle": ("signin", ["offline"], ["high"], True, "T1557"),
    "tokenIssuerAnomaly": ("signin", ["offline"], ["high"], True, "T1606.002"),
    "userReportedSuspiciousActivity": ("signin", ["nearRealtime"], ["high"], False, None),
    "suspiciousAPITraffic": ("user", ["offline"], ["medium"], False, None),
    "investigationsThreatIntelligence": ("signin", ["offline", "realtime"], ["high"], True, None),
    # Written by Identity Protection when an administrator confirms a compromise; never random.
    "adminConfirmedUserCompromised": ("user", ["offline"], ["high"], False, None),
}
TYPES_BY_LEVEL = {
    level: [t for t, spec in DETECTION_TYPES.items()
            if level in spec[2] and t != "adminConfirmedUserCompromised"]
    for level in ("low", "medium", "high")
}
LEVEL_RANK = {"none": 0, "low": 1, "medium": 2, "high": 3}

# Who is risky, in which state. (UPN, riskLevel, riskState, number of detections)
RISKY_PLAN = [
    # confirmed compromised by the SOC
    ("marco.rossi@contoso.com", "high", "confirmedCompromised", 9),
    ("charlotte.evans@contoso.com", "high", "confirmedCompromised", 7),
    # remediated by the users themselves (secure password change after MFA)
    ("pieter.vandijk@contoso.com", "none", "remediated", 5),
    ("ashley.johnson@contoso.com", "none", "remediated", 4),
    ("anna.kowalski@contoso.com", "none", "remediated", 3),
    # dismissed by an administrator
    ("carlos.garcia@contoso.com", "none", "dismissed", 3),
    ("priya.patel@contoso.com", "none", "dismissed", 2),
    # an emergency access account at risk: the tool must refuse to act on it
    ("breakglass2@contoso.onmicrosoft.com", "medium", "atRisk", 2),
    # an administrator account at risk
    ("adm-tom.hughes@contoso.com", "medium", "atRisk", 4),
]
RISKY_COUNTS = {"high": (6, [9, 8, 8, 7, 7, 6]), "medium": (8, [7, 6, 6, 5, 5, 4, 4, 3]),
                "low": (6, [3, 3, 2, 2, 2, 1])}
named_risky = {upn.lower() for upn, *_ in RISKY_PLAN}
staff_pool = [u for u, _unit, _o in people
              if u["accountEnabled"] and u["userPrincipalName"].lower() not in named_risky]
for level in ("high", "medium", "low"):
    count, detection_counts = RISKY_COUNTS[level]
    for user, n in zip(rng.sample(staff_pool, count), detection_counts):
        staff_pool.remove(user)
        RISKY_PLAN.append((user["userPrincipalName"], level, "atRisk", n))

STATE_DETAIL = {
    "atRisk": "none",
    "confirmedCompromised": "adminConfirmedUserCompromised",
    "remediated": "userPerformedSecuredPasswordChange",
    "dismissed": "adminDismissedAllRiskForUser",
}


def ip_address(suspicious):
    if suspicious and rng.random() < 0.2:
        return f"2001:db8:{rng.randint(0x8000, 0xffff):x}::{rng.randint(1, 0xfffe):x}"
    if suspicious or rng.random() < 0.5:
        return f"198.51.100.{rng.randint(64, 254)}"   # outside the trusted Branch offices /26
    return f"203.0.113.{rng.randint(1, 254)}"          # Corporate HQ egress


def detection(user, event_type, level, state, detail, activity_at):
    activity, timings, _levels, suspicious, mitre = DETECTION_TYPES[event_type]
    timing = rng.choice(timings)

    def later(start, low, high):
        """start + a random delay in [low, high] seconds that never passes NOW."""
        room = int((NOW - start).total_seconds()) - 60
        high = max(0, min(high, room))
        return start + dt.timedelta(seconds=rng.randint(min(low, high // 2), high))

    if timing == "realtime":
        detected_at = activity_at
    elif timing == "nearRealtime":
        detected_at = later(activity_at, 30, 900)
    else:
        detected_at = later(activity_at, 1800, 36 * 3600)
    updated_at = later(detected_at, 60, 3 * 3600)
    place = PLACES[rng.choice(FOREIGN_PLACES if suspicious and rng.random() < 0.8
                              else HOME_PLACES)]
    info = [{"Key": "userAgent", "Value": rng.choice(USER_AGENTS)}]
    if mitre:
        info.append({"Key": "mitreTechniques", "Value": mitre})
    if event_type in ("unlikelyTravel", "impossibleTravel"):
        origin = PLACES[rng.choice(HOME_PLACES)]
        info.append({"Key": "relatedLocation", "Value": json.dumps(
            {"City": origin[0], "State": origin[1], "CountryOrRegion": origin[2]},
            separators=(",", ":"))})
        info.append({"Key": "relatedEventTimeInUtc", "Value": (activity_at - dt.timedelta(
            minutes=rng.randint(20, 240))).strftime("%Y-%m-%dT%H:%M:%S.000Z")})
    request_id = random_guid()
    return {
        "id": hashlib.sha256(f"{SEED}:{user['id']}:{event_type}:{activity_at.isoformat()}:"
                             f"{request_id}".encode()).hexdigest(),
        "requestId": request_id,
        "correlationId": random_guid(),
        "riskEventType": event_type,
        "riskState": state,
        "riskLevel": level,
        "riskDetail": detail,
        "source": "IdentityProtection",
        "detectionTimingType": timing,
        "activity": activity,
        "tokenIssuerType": "AzureAD",
        "ipAddress": ip_address(suspicious),
        "activityDateTime": graph_time(activity_at),
        "detectedDateTime": graph_time(detected_at),
        "lastUpdatedDateTime": graph_time(updated_at),
        "userId": user["id"],
        "userDisplayName": user["displayName"],
        "userPrincipalName": user["userPrincipalName"],
        "additionalInfo": json.dumps(info, separators=(",", ":")),
        "location": {
            "city": place[0],
            "state": place[1],
            "countryOrRegion": place[2],
            "geoCoordinates": {"latitude": place[3], "longitude": place[4]},
        },
    }


risky_users = []
risk_detections = []
fresh_leaks = 0
for upn, level, state, n in RISKY_PLAN:
    user = user_by_upn[upn.lower()]
    detail = STATE_DETAIL[state]
    # Levels of this user's detections: at least one at the user's level (or a realistic level
    # for users whose risk has since been cleared), the rest at or below it.
    top = level if level != "none" else rng.choice(["medium", "high"])
    levels = [top] + [rng.choice([lv for lv in ("low", "medium", "high")
                                  if LEVEL_RANK[lv] <= LEVEL_RANK[top]]) for _ in range(n - 1)]
    # Cleared and confirmed users have older activity; atRisk users have some very recent.
    # The first three high-risk atRisk users get a fresh leaked-credentials finding (detected in
    # the last 24 hours), so a rule like "leakedCredentials, detectedWithin: 24h" has work to do.
    fresh_leak = state == "atRisk" and level == "high" and fresh_leaks < 3
    fresh_leaks += fresh_leak
    if state != "atRisk":
        newest_age = dt.timedelta(days=rng.uniform(3, 12))
    elif fresh_leak:
        newest_age = dt.timedelta(hours=rng.uniform(3, 18))
    else:
        newest_age = dt.timedelta(hours=rng.uniform(2, 72))
    detections = []
    for i, det_level in enumerate(levels):
        age = newest_age if i == 0 else dt.timedelta(
            seconds=rng.randint(int(newest_age.total_seconds()), 30 * 24 * 3600 - 3600))
        activity_at = (NOW - age).replace(microsecond=0)
        event_type = "leakedCredentials" if fresh_leak and i == 0 \
            else rng.choice(TYPES_BY_LEVEL[det_level])
        detections.append(detection(user, event_type, det_level, state, detail, activity_at))
    if state == "confirmedCompromised":
        confirm_at = (NOW - newest_age + dt.timedelta(hours=rng.uniform(1, 20))).replace(
            microsecond=0)
        detections.append(detection(user, "adminConfirmedUserCompromised", "high", state, detail,
                                    confirm_at))
    risk_detections.extend(detections)
    last_update = max(d["lastUpdatedDateTime"] for d in detections)
    if state != "atRisk":
        cleared = dt.datetime.strptime(last_update[:19], "%Y-%m-%dT%H:%M:%S").replace(
            tzinfo=dt.timezone.utc) + dt.timedelta(hours=rng.uniform(1, 30))
        last_update = graph_time(min(cleared, NOW - dt.timedelta(minutes=10)).replace(microsecond=0))
    risky_users.append({
        "id": user["id"],
        "isDeleted": False,
        "isProcessing": False,
        "riskLevel": level,
        "riskState": state,
        "riskDetail": detail,
        "riskLastUpdatedDateTime": last_update,
        "userDisplayName": user["displayName"],
        "userPrincipalName": user["userPrincipalName"],
    })

risk_detections.sort(key=lambda d: (d["detectedDateTime"], d["id"]), reverse=True)

# ---------------------------------------------------------------------------------------------
# Output
# ---------------------------------------------------------------------------------------------

tenant = {
    "tenantId": TENANT_ID,
    "domains": [INITIAL_DOMAIN, DOMAIN],
    "users": users,
    "groups": groups,
    "roleAssignments": role_assignments,
    "servicePrincipals": service_principals,
    "namedLocations": [],
    "policies": [legacy_policy],
    "authenticationContexts": authentication_contexts,
    "riskyUsers": risky_users,
    "riskDetections": risk_detections,
    "applications": applications,
}


def main(argv):
    out = pathlib.Path(__file__).resolve().with_name("tenant.json")
    text = json.dumps(tenant, indent=2, ensure_ascii=False) + "\n"
    if "--check" in argv:
        current = out.read_text(encoding="utf-8") if out.exists() else ""
        if current != text:
            print(f"{out} is out of date; run {pathlib.Path(__file__).name}", file=sys.stderr)
            return 1
        return 0
    out.write_text(text, encoding="utf-8")
    print(f"wrote {out}: {len(users)} users, {len(groups)} groups, "
          f"{len(service_principals)} service principals, {len(risky_users)} risky users, "
          f"{len(risk_detections)} risk detections")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
