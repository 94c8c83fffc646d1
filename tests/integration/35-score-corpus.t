#!/usr/bin/env python3
"""score-corpus - how well mcbot reads the test corpus, as TAP.

Usage: tests/integration/35-score-corpus.t [-v] [--strict] [CORPUS_DIR]

Runs `$MCBOT parse FILE` on every mail of CORPUS_DIR (default:
$MCBOT_TOP/../shared/corpus) and compares what it prints (JSON) with
CORPUS_DIR/expected.json, following the corpus README ("Comparing"):

  title      proposals: exact after ignoring case and a trailing
             "MC" / "Microconference" / "micro-conference"
  kind       every mail: proposal / rsvp / command
  leads      proposals: F1 over lead names (case-insensitive, honorifics and
             "(affiliation)" left out, "LAST, First" = "First Last")
  addresses  proposals: of the leads found, the share whose address agrees
  topics     proposals: F1 over topic texts (white space collapsed)
  attendees  proposals: F1 over attendee names

F1 is summed over all proposals (micro-averaged).  For RSVPs, how often
"rsvp_for" equals the MC's title and "attending" is right is reported as
information only.  Fields the corpus marks
"uncertain" are compared leniently: extra items are not counted against
the extractor, and an uncertain title may contain or be contained in the
expected one.  -v prints every difference.

MCBOT_PARSE_CMD, when set, replaces "$MCBOT parse" (split like a shell
command line; the file name is appended).  Without the corpus the script
prints "1..0 # SKIP" and succeeds.
"""

import concurrent.futures
import json
import os
import re
import shlex
import subprocess
import sys
import unicodedata

THRESHOLDS = [
    ("title", "title exact", 1.00),
    ("kind", "kind", 1.00),
    ("leads", "leads name F1", 0.95),
    ("addresses", "lead address accuracy", 0.95),
    ("topics", "topics F1", 0.90),
    ("attendees", "attendees F1", 0.90),
]

HONORIFIC = re.compile(r"^((mr|mrs|ms|miss|dr|prof|sir)\.?\s+)+", re.I)
TITLE_TAIL = re.compile(r"\s*\b(mc|micro-?conference|micro conference)$", re.I)


def squash(s):
    return " ".join((s or "").split())


def norm_title(t):
    t = squash(unicodedata.normalize("NFC", t or "")).casefold()
    return TITLE_TAIL.sub("", t).strip()


def norm_name(n):
    n = unicodedata.normalize("NFC", n or "")
    n = re.sub(r"\([^)]*\)|<[^>]*>", " ", n)
    n = squash(HONORIFIC.sub("", squash(n)))
    if "," in n:
        last, first = n.split(",", 1)
        n = squash(HONORIFIC.sub("", first.strip()) + " " + last)
    return n.strip(" .,;").casefold()


def norm_topic(t):
    return squash(unicodedata.normalize("NFC", t or ""))


def match(expected, got, key):
    """Multiset match: (true positives, false positives, false negatives,
    missing items, extra items)."""
    left = [key(e) for e in expected]
    used = [False] * len(left)
    tp, extra = 0, []
    for g in got:
        k = key(g)
        for i, e in enumerate(left):
            if not used[i] and e == k:
                used[i] = True
                tp += 1
                break
        else:
            extra.append(g)
    missing = [expected[i] for i in range(len(left)) if not used[i]]
    return tp, len(extra), len(missing), missing, extra


class Tally:
    def __init__(self):
        self.tp = self.fp = self.fn = 0
        self.right = self.total = 0

    def f1(self):
        if self.tp + self.fp + self.fn == 0:
            return 1.0
        return 2 * self.tp / (2 * self.tp + self.fp + self.fn)

    def accuracy(self):
        return self.right / self.total if self.total else 1.0


def default_corpus():
    top = os.environ.get("MCBOT_TOP") or os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "..")
    return os.path.join(top, "..", "shared", "corpus")


def parse_command():
    if os.environ.get("MCBOT_PARSE_CMD"):
        return shlex.split(os.environ["MCBOT_PARSE_CMD"])
    binary = os.environ.get("MCBOT") or os.path.join(os.path.dirname(
        os.path.abspath(__file__)), "..", "build", "mcbot")
    return [binary, "parse"]


def run_one(cmd, path):
    try:
        r = subprocess.run(cmd + [path], capture_output=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return None, str(e)
    if r.returncode != 0:
        return None, "exit %d: %s" % (r.returncode, r.stderr.decode(errors="replace")[:200])
    try:
        return json.loads(r.stdout.decode("utf-8")), None
    except ValueError as e:
        return None, "bad JSON: %s" % e


def main(argv):
    verbose = "-v" in argv
    strict = "--strict" in argv
    args = [a for a in argv if a not in ("-v", "--strict")]
    corpus = args[0] if args else default_corpus()
    expected_path = os.path.join(corpus, "expected.json")
    if not os.path.isfile(expected_path):
        print("1..0 # SKIP corpus absent")
        return 0
    cmd = parse_command()
    if "MCBOT_PARSE_CMD" not in os.environ and not os.access(cmd[0], os.X_OK):
        print("1..0 # SKIP %s not built" % cmd[0])
        return 0
    with open(expected_path, encoding="utf-8") as f:
        expected = json.load(f)

    names = sorted(expected)
    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 4) as pool:
        results = dict(zip(names, pool.map(
            lambda n: run_one(cmd, os.path.join(corpus, "mail", n)), names)))

    t = {k: Tally() for k, _, _ in THRESHOLDS}
    rsvp, attending = Tally(), Tally()      # reported, not tested
    lenient = 0
    notes = []

    def note(name, field, msg):
        notes.append("%s %s: %s" % (name, field, msg))

    for name in names:
        exp = expected[name]
        got, err = results[name]
        if err:
            note(name, "parse", err)
            got = {}
        t["kind"].total += 1
        if got.get("kind") == exp["kind"]:
            t["kind"].right += 1
        else:
            note(name, "kind", "expected %s, got %s" % (exp["kind"], got.get("kind")))
        if exp["kind"] == "rsvp":
            rsvp.total += 1
            rsvp.right += norm_title(got.get("rsvp_for")) == norm_title(exp.get("rsvp_for"))
            attending.total += 1
            attending.right += got.get("attending") == exp.get("attending")
        if exp["kind"] != "proposal":
            continue
        uncertain = set() if strict else set(exp.get("uncertain") or [])
        lenient += len(uncertain & {"title", "leads", "topics", "attendees", "leads.email"})

        want, have = norm_title(exp["mc_title"]), norm_title(got.get("title"))
        ok = want == have or ("title" in uncertain and have and (want in have or have in want))
        t["title"].total += 1
        t["title"].right += ok
        if not ok:
            note(name, "title", "expected %r, got %r" % (exp["mc_title"], got.get("title")))

        for field, key in (("leads", lambda p: norm_name(p.get("name"))),
                           ("topics", norm_topic), ("attendees", norm_name)):
            want, have = exp.get(field) or [], got.get(field) or []
            if field == "attendees":
                have = [h if isinstance(h, str) else h.get("name", "") for h in have]
                key = norm_name
            tp, fp, fn, missing, extra = match(want, have, key)
            if field in uncertain:
                fp, extra = 0, []
            tally = t[field]
            tally.tp += tp
            tally.fp += fp
            tally.fn += fn
            if missing:
                note(name, field, "missing %s" % json.dumps(missing, ensure_ascii=False))
            if extra:
                note(name, field, "extra %s" % json.dumps(extra, ensure_ascii=False))

        if "leads.email" not in uncertain:
            found = {norm_name(p.get("name")): p for p in got.get("leads") or []}
            for lead in exp.get("leads") or []:
                g = found.get(norm_name(lead["name"]))
                if g is None:
                    continue
                t["addresses"].total += 1
                if (g.get("email") or "").lower() == (lead.get("email") or "").lower():
                    t["addresses"].right += 1
                else:
                    note(name, "address", "%s: expected %s, got %s"
                         % (lead["name"], lead.get("email"), g.get("email")))

    print("1..%d" % len(THRESHOLDS))
    failed = 0
    for n, (key, label, limit) in enumerate(THRESHOLDS, 1):
        tally = t[key]
        if key in ("title", "kind", "addresses"):
            value = tally.accuracy()
            detail = "%d/%d" % (tally.right, tally.total)
        else:
            value = tally.f1()
            detail = "tp %d fp %d fn %d" % (tally.tp, tally.fp, tally.fn)
        ok = value + 1e-9 >= limit
        failed += not ok
        print("%s %d - %s %.3f (%s; needs %.2f)" % ("ok" if ok else "not ok", n, label,
                                                    value, detail, limit))
    print("# %d mails, %d proposals, %d uncertain field(s) compared leniently"
          % (len(names), t["title"].total, lenient))
    print("# info: rsvp_for names the MC's title in %d/%d RSVPs, attending right in %d/%d"
          % (rsvp.right, rsvp.total, attending.right, attending.total))
    for line in notes if verbose else []:
        print("# " + line)
    if notes and not verbose:
        print("# %d difference(s); run with -v to list them" % len(notes))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
