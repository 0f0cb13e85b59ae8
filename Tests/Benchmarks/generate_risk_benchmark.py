#!/usr/bin/env python3
"""Generates the risk benchmark: a tenant with 20,000 risky users and 100,000 risk detections, and a
configuration with five risk-response rules. Usage: generate_risk_benchmark.py OUTDIR.
Deterministic (fixed seed, UUIDv5 ids) but for the time base: detections spread over the 30 days
before the current hour, because the rules' `detectedWithin` windows count back from the present."""
import datetime, hashlib, json, os, random, sys, uuid

out = sys.argv[1]
rng = random.Random(20000)
ns = uuid.UUID("2b7e1516-28ae-4d2a-a6f7-157e2b7e1516")
now = datetime.datetime.now(datetime.timezone.utc).replace(minute=0, second=0, microsecond=0)
def gid(kind, n): return str(uuid.uuid5(ns, f"{kind}-{n}"))
def stamp(dt): return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond:06d}0Z"

USERS, DETECTIONS = 20_000, 100_000
users = [{"id": gid("user", i), "userPrincipalName": f"risk{i:05d}@bench.example", "displayName": f"Risk User {i:05d}",
          "accountEnabled": True, "userType": "Member"} for i in range(USERS)]
departments = [{"id": gid("group", d), "displayName": f"Department {d:02d}",
                "members": [u["id"] for u in users[d::20]]} for d in range(20)]
groups = departments + [{"id": gid("group", "staff"), "displayName": "All Staff", "members": [g["id"] for g in departments]}]
types = ["unfamiliarFeatures", "anonymizedIPAddress", "leakedCredentials", "unlikelyTravel", "passwordSpray",
         "maliciousIPAddress", "newCountry", "suspiciousInboxForwarding", "anomalousToken", "attackerinTheMiddle"]
levels = ["low", "medium", "high"]
risky = []
for i, user in enumerate(users):
    level = levels[min(2, int(rng.random() ** 2 * 3))]
    risky.append({"id": user["id"], "isDeleted": False, "isProcessing": False, "riskLevel": level,
                  "riskState": "atRisk" if rng.random() < 0.9 else "remediated", "riskDetail": "none",
                  "riskLastUpdatedDateTime": stamp(now - datetime.timedelta(minutes=rng.randrange(43_200))),
                  "userDisplayName": user["displayName"], "userPrincipalName": user["userPrincipalName"]})
detections = []
for n in range(DETECTIONS):
    user = users[n % USERS] if n < USERS else users[rng.randrange(USERS)]
    when = now - datetime.timedelta(seconds=rng.randrange(30 * 86_400))
    detections.append({
        "id": hashlib.sha256(f"detection-{n}".encode()).hexdigest(), "requestId": gid("request", n),
        "correlationId": gid("correlation", n), "riskEventType": types[rng.randrange(len(types))],
        "riskState": "atRisk", "riskLevel": levels[rng.randrange(3)], "riskDetail": "none", "source": "IdentityProtection",
        "detectionTimingType": rng.choice(["realtime", "offline", "nearRealtime"]), "activity": "signin",
        "tokenIssuerType": "AzureAD", "ipAddress": f"198.51.100.{n % 250}", "activityDateTime": stamp(when),
        "detectedDateTime": stamp(when), "lastUpdatedDateTime": stamp(when), "userId": user["id"],
        "userDisplayName": user["displayName"], "userPrincipalName": user["userPrincipalName"],
        "additionalInfo": json.dumps([{"Key": "userAgent", "Value": "Mozilla/5.0"}]),
        "location": {"city": "Amsterdam", "state": "Noord-Holland", "countryOrRegion": "NL",
                     "geoCoordinates": {"latitude": 52.37, "longitude": 4.89}}})
rules = {
    "confirm-leaked": "when: {riskEventTypes: [leakedCredentials], detectionRiskLevels: [high], detectedWithin: 7d, riskStates: [atRisk], users: {includeGroups: [All Staff]}}\naction: confirmCompromised\napproval: required\nmaxActionsPerRun: 10000",
    "revoke-token-theft": "when: {riskEventTypes: [anomalousToken, attackerinTheMiddle], detectedWithin: 1d, riskStates: [atRisk]}\naction: revokeSignInSessions\nmaxActionsPerRun: 10000",
    "dismiss-low-unfamiliar": "when: {riskEventTypes: [unfamiliarFeatures], detectionRiskLevels: [low], userRiskLevels: [low], detectedWithin: 3d, riskStates: [atRisk]}\naction: dismiss\napproval: required\nmaxActionsPerRun: 10000",
    "confirm-malicious-ip-high": "when: {riskEventTypes: [maliciousIPAddress], detectionRiskLevels: [high], userRiskLevels: [high], detectedWithin: 14d, users: {includeGroups: [Department 01, Department 02]}}\naction: confirmCompromised\napproval: required\nmaxActionsPerRun: 10000",
    "revoke-spray": "when: {riskEventTypes: [passwordSpray], detectionRiskLevels: [medium, high], detectedWithin: 2d, riskStates: [atRisk]}\naction: revokeSignInSessions\nmaxActionsPerRun: 10000",
}
os.makedirs(os.path.join(out, "config"), exist_ok=True)
with open(os.path.join(out, "config", "rules.yaml"), "w") as f:
    f.write("\n---\n".join(f"kind: RiskResponseRule\nname: {name}\n{body}\n" for name, body in rules.items()))
seed = {"tenantId": gid("tenant", 0), "domains": ["bench.example"], "users": users, "groups": groups,
        "riskyUsers": risky, "riskDetections": detections}
with open(os.path.join(out, "tenant.json"), "w") as f: json.dump(seed, f)
print(f"{len(risky)} risky users, {len(detections)} detections, {len(rules)} rules")
