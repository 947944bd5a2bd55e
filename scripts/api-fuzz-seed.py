#!/usr/bin/env python3
"""Creates, through the JSON API, the rows the schema fuzzer works on, and prints their ids as
shell assignments (NAME=value), one per line, for scripts/api-fuzz.sh to export.

Each operation that destroys or consumes something (a delete, converting an event) gets a row
of its own, so that the other operations on the same path keep finding theirs.

Usage: api-fuzz-seed.py BASE_URL TOKEN EMAIL PASSWORD   (standard library only)
EMAIL and PASSWORD are the token owner's, for a session of theirs to delete.
"""

import http.cookiejar
import json
import sys
import time
import urllib.parse
import urllib.request

BASE, TOKEN, EMAIL, PASSWORD = sys.argv[1:5]


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(BASE + path, data=data, method=method)
    request.add_header("Authorization", "Bearer " + TOKEN)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request) as response:
        text = response.read()
    return json.loads(text) if text else None


def new_id(method, path, body):
    return call(method, path, body)["data"]["id"]


def sign_in(email, password):
    """Signs in through the password form as a browser does, which leaves a session row."""
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar()))
    page = browser.open(BASE + "/auth/signin").read().decode()
    marker = 'name="_csrf" value="'
    start = page.index(marker) + len(marker)
    form = {"_csrf": page[start:start + 64], "email": email, "password": password, "next": "/"}
    browser.open(BASE + "/auth/signin/password", data=urllib.parse.urlencode(form).encode())
    return browser


def session_new_id(browser, path, body):
    """Creates a row through a fresh session: credentials (tokens, feeds) are minted only by a
    person who signed in moments ago, never by an API token."""
    request = urllib.request.Request(BASE + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Origin", BASE)
    with browser.open(request) as response:
        return json.loads(response.read())["data"]["id"]


ids = {}
staff = [u for u in call("GET", "/api/users")["data"] if u["role"] == "STAFF"]
ids["STAFF_ID"] = staff[0]["id"]

item = {"title": "Fuzz target", "type": "DELIVERABLE", "deliverableType": "ARTICLE",
        "needsProofing": True, "tags": ["fuzz"], "client": "Fuzz Co"}
ids["ITEM_ID"] = new_id("POST", "/api/work-items", item)
ids["ITEM_DELETE_ID"] = new_id("POST", "/api/work-items", {"title": "Fuzz: to delete"})

subtasks = f"/api/work-items/{ids['ITEM_ID']}/subtasks"
ids["SUBTASK_ID"] = new_id("POST", subtasks, {"title": "Fuzz step"})
ids["SUBTASK_DELETE_ID"] = new_id("POST", subtasks, {"title": "Fuzz step to delete"})

comments = f"/api/work-items/{ids['ITEM_ID']}/comments"
ids["COMMENT_ID"] = new_id("POST", comments, {"body": "Fuzz comment"})
ids["COMMENT_DELETE_ID"] = new_id("POST", comments, {"body": "Fuzz comment to delete"})
call("POST", f"/api/work-items/{ids['ITEM_ID']}/messages", {"channel": "NOTE", "body": "Fuzz note"})

template = {"name": "Fuzz template", "type": "TASK", "subtasks": [{"title": "First", "dueOffsetDays": 1}]}
ids["TEMPLATE_ID"] = new_id("POST", "/api/templates", template)
ids["TEMPLATE_DELETE_ID"] = new_id("POST", "/api/templates", {"name": "Fuzz template to delete", "type": "TASK"})

cadence = {"name": "Fuzz cadence", "slug": "fuzz-cadence", "templateId": ids["TEMPLATE_ID"],
           "rrule": "FREQ=WEEKLY;BYDAY=TU", "dueTime": "09:00"}
ids["CADENCE_ID"] = new_id("POST", "/api/cadences", cadence)
cadence.update(name="Fuzz cadence to delete", slug="fuzz-cadence-delete")
ids["CADENCE_DELETE_ID"] = new_id("POST", "/api/cadences", cadence)

rule = {"name": "Fuzz rule", "eventType": "fuzz.never", "action": "TRIAGE"}
ids["RULE_ID"] = new_id("POST", "/api/admin/integration-rules", rule)
ids["RULE_DELETE_ID"] = new_id("POST", "/api/admin/integration-rules", dict(rule, name="Fuzz rule to delete"))

# The fuzzer uses a token, never a session: no operation creates one to delete.
browser = sign_in(EMAIL, PASSWORD)
ids["FEED_DELETE_ID"] = session_new_id(browser, "/api/calendar/feeds", {"name": "Fuzz feed"})
ids["TOKEN_DELETE_ID"] = session_new_id(browser, "/api/tokens", {"name": "Fuzz token to delete"})
ids["SESSION_DELETE_ID"] = call("GET", "/api/sessions")["data"][0]["id"]

# Events with no matching rule go to triage, where convert, dismiss and retry apply.
for name in ("CONVERT", "DISMISS", "RETRY"):
    event = {"source": "fuzz", "type": "fuzz.unmatched", "externalId": name.lower()}
    ids[f"EVENT_{name}_ID"] = new_id("POST", "/api/events", event)
for _ in range(100):
    states = {e["state"] for q in call("GET", "/api/events")["data"].values() for e in q["items"]
              if e["id"] in (ids["EVENT_CONVERT_ID"], ids["EVENT_DISMISS_ID"], ids["EVENT_RETRY_ID"])}
    if states == {"TRIAGE"}:
        break
    time.sleep(0.2)

for name, value in ids.items():
    print(f"{name}={value}")
