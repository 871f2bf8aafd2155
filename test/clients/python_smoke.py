"""Debian's python3-kubernetes, unchanged, against a running kplane.

Usage: python_smoke.py KUBECONFIG NAMESPACE

Prints {"plan": [check names]}, then runs the checks in order and prints one JSON line for
each: {"check": name, "ok": true|false, "error": "..."}. python_smoke.test.ts starts kplane, runs this
and turns each line into a test; a check that never printed (a crash) fails there too.
"""

import json
import sys
import traceback

from kubernetes import client, config, watch
from kubernetes.client.rest import ApiException

KUBECONFIG, NS = sys.argv[1], sys.argv[2]
CHECKS = []


def check(fn):
    CHECKS.append(fn)
    return fn


def meta(name, labels=None):
    return client.V1ObjectMeta(name=name, labels=labels or {})


def expect_status(call, code, reason):
    """call() must raise ApiException with this HTTP code and a kube Status body of this reason."""
    try:
        call()
    except ApiException as e:
        assert e.status == code, "HTTP %s, expected %s: %s" % (e.status, code, e.body)
        body = json.loads(e.body)
        assert body.get("kind") == "Status", "body is not a Status: %r" % body
        assert body.get("reason") == reason, "reason %r, expected %r: %r" % (body.get("reason"), reason, body)
        assert body.get("code") == code, "Status.code %r: %r" % (body.get("code"), body)
        return body
    raise AssertionError("the call succeeded; expected %s %s" % (code, reason))


core = None
apps = None


@check
def load_kube_config():
    global core, apps
    config.load_kube_config(config_file=KUBECONFIG)
    core = client.CoreV1Api()
    apps = client.AppsV1Api()
    names = [n.metadata.name for n in core.list_namespace().items]
    assert "default" in names, names


@check
def namespace_create():
    ns = core.create_namespace(client.V1Namespace(metadata=meta(NS, {"smoke": "py"})))
    # Pods need the namespace's "default" ServiceAccount (ServiceAccount admission); no
    # serviceaccount controller runs yet, so the script makes it, as on a bare kube-apiserver.
    core.create_namespaced_service_account(NS, client.V1ServiceAccount(metadata=client.V1ObjectMeta(name="default")))
    assert ns.metadata.name == NS
    assert ns.status.phase == "Active", ns.status
    listed = core.list_namespace(label_selector="smoke=py")
    assert [n.metadata.name for n in listed.items] == [NS], listed.items


def crud(kind, make, change, changed, create, read, list_, replace, delete):
    """create, read, list by label, replace, stale replace (409), delete, read again (404)."""
    obj = create(make("crud", {"smoke": kind, "role": "crud"}))
    assert obj.metadata.uid and obj.metadata.resource_version, obj.metadata
    rv1 = obj.metadata.resource_version
    got = read("crud")
    assert got.metadata.uid == obj.metadata.uid
    listed = list_(label_selector="smoke=%s,role=crud" % kind)
    assert [o.metadata.name for o in listed.items] == ["crud"], listed.items
    assert listed.metadata.resource_version
    change(got)
    replaced = replace("crud", got)
    assert changed(replaced), replaced
    assert replaced.metadata.resource_version != rv1
    assert changed(read("crud"))
    # `got` still carries rv1.
    expect_status(lambda: replace("crud", got), 409, "Conflict")
    expect_status(lambda: create(make("crud", {})), 409, "AlreadyExists")
    gone = delete("crud")
    # configmaps and deployments answer a Success Status, pods the deleted Pod.
    if isinstance(gone, client.V1Status):
        assert gone.status == "Success", gone
        assert gone.details.name == "crud", gone
    else:
        assert gone.metadata.name == "crud", gone
    status = expect_status(lambda: read("crud"), 404, "NotFound")
    assert status["details"]["name"] == "crud", status


@check
def configmaps_crud():
    crud(
        "cm",
        lambda n, l: client.V1ConfigMap(metadata=meta(n, l), data={"k": "v1"}),
        lambda o: setattr(o, "data", {"k": "v2"}),
        lambda o: o.data == {"k": "v2"},
        lambda b: core.create_namespaced_config_map(NS, b),
        lambda n: core.read_namespaced_config_map(n, NS),
        lambda **q: core.list_namespaced_config_map(NS, **q),
        lambda n, b: core.replace_namespaced_config_map(n, NS, b),
        lambda n: core.delete_namespaced_config_map(n, NS),
    )


def pod(n, l, image="busybox:1.36"):
    return client.V1Pod(metadata=meta(n, l), spec=client.V1PodSpec(containers=[client.V1Container(name="c", image=image)]))


@check
def pods_crud():
    def change(o):
        o.spec.containers[0].image = "busybox:1.37"

    crud(
        "pod",
        pod,
        change,
        lambda o: o.spec.containers[0].image == "busybox:1.37",
        lambda b: core.create_namespaced_pod(NS, b),
        lambda n: core.read_namespaced_pod(n, NS),
        lambda **q: core.list_namespaced_pod(NS, **q),
        lambda n, b: core.replace_namespaced_pod(n, NS, b),
        lambda n: core.delete_namespaced_pod(n, NS, body=client.V1DeleteOptions(grace_period_seconds=0)),
    )


def deployment(n, l):
    return client.V1Deployment(
        metadata=meta(n, l),
        spec=client.V1DeploymentSpec(
            replicas=1,
            selector=client.V1LabelSelector(match_labels={"app": n}),
            template=client.V1PodTemplateSpec(
                metadata=client.V1ObjectMeta(labels={"app": n}),
                spec=client.V1PodSpec(containers=[client.V1Container(name="c", image="nginx:1.27")]),
            ),
        ),
    )


@check
def deployments_crud():
    def change(o):
        o.spec.replicas = 3

    crud(
        "deploy",
        deployment,
        change,
        lambda o: o.spec.replicas == 3,
        lambda b: apps.create_namespaced_deployment(NS, b),
        lambda n: apps.read_namespaced_deployment(n, NS),
        lambda **q: apps.list_namespaced_deployment(NS, **q),
        lambda n, b: apps.replace_namespaced_deployment(n, NS, b),
        lambda n: apps.delete_namespaced_deployment(n, NS),
    )


@check
def deployment_generation():
    d = apps.create_namespaced_deployment(NS, deployment("gen", {"smoke": "gen"}))
    assert d.metadata.generation == 1, d.metadata
    d.spec.replicas = 2
    d = apps.replace_namespaced_deployment("gen", NS, d)
    assert d.metadata.generation == 2, d.metadata
    # A label change is not a spec change.
    d.metadata.labels["more"] = "x"
    d = apps.replace_namespaced_deployment("gen", NS, d)
    assert d.metadata.generation == 2, d.metadata
    apps.delete_namespaced_deployment("gen", NS)


@check
def configmaps_paging():
    names = ["p-%d" % i for i in range(5)]
    for n in names:
        core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=meta(n, {"smoke": "paging"})))
    seen, token, pages = [], None, 0
    while True:
        kw = {"label_selector": "smoke=paging", "limit": 2}
        if token:
            kw["_continue"] = token
        page = core.list_namespaced_config_map(NS, **kw)
        pages += 1
        assert len(page.items) <= 2
        seen += [o.metadata.name for o in page.items]
        token = page.metadata._continue
        if not token:
            break
        assert pages < 6, "paging does not end"
    assert seen == names, seen
    assert pages >= 3, pages
    everywhere = core.list_config_map_for_all_namespaces(label_selector="smoke=paging")
    assert [(o.metadata.namespace, o.metadata.name) for o in everywhere.items] == [(NS, n) for n in names], everywhere.items


@check
def not_found_is_api_exception():
    body = expect_status(lambda: core.read_namespaced_config_map("nope", NS), 404, "NotFound")
    assert body["message"] == 'configmaps "nope" not found', body
    assert body["status"] == "Failure", body
    body = expect_status(lambda: apps.read_namespaced_deployment("nope", NS), 404, "NotFound")
    assert body["message"] == 'deployments.apps "nope" not found', body


def drain(stream, n):
    """The next n events of a watch stream (fewer if the server ended it first)."""
    out = []
    for ev in stream:
        out.append(ev)
        if len(out) == n:
            break
    return out


def summary(events):
    return [(e["type"], e["raw_object"]["metadata"]["name"]) for e in events]


@check
def watch_true_is_a_watch():
    # The client sends Python's spelling, ?watch=True; kube takes any value but "0"/"false"
    # (any case) as true. Answering a list here breaks every Watch().stream.
    rv = core.list_namespaced_config_map(NS).metadata.resource_version
    core.create_namespaced_config_map(NS, client.V1ConfigMap(metadata=meta("watch-true")))
    resp = core.list_namespaced_config_map(NS, watch=True, resource_version=rv, timeout_seconds=1, _preload_content=False)
    try:
        first = json.loads(next(watch.watch.iter_resp_lines(resp)))
    finally:
        resp.close()
    assert first.get("type") == "ADDED" and "object" in first, "?watch=True was not served as a watch; got %s" % json.dumps(first)[:200]


@check
def configmaps_watch_resume():
    sel = "smoke=watch"
    cm = lambda n: client.V1ConfigMap(metadata=meta(n, {"smoke": "watch"}), data={"k": "v1"})
    rv0 = core.list_namespaced_config_map(NS, label_selector=sel).metadata.resource_version
    a = core.create_namespaced_config_map(NS, cm("a"))
    # timeout_seconds bounds a watch that would otherwise hang on a missing event (and turns off
    # the library's own retries); _request_timeout bounds the socket.
    w1 = watch.Watch()
    s1 = w1.stream(core.list_namespaced_config_map, NS, label_selector=sel, resource_version=rv0, timeout_seconds=5, _request_timeout=10)
    first = drain(s1, 1)
    assert summary(first) == [("ADDED", "a")], summary(first)
    assert isinstance(first[0]["object"], client.V1ConfigMap)
    last_rv = first[0]["object"].metadata.resource_version
    assert last_rv == a.metadata.resource_version
    assert w1.resource_version == last_rv
    w1.stop()
    s1.close()

    # While no one watches: add b, change a, delete b.
    b = core.create_namespaced_config_map(NS, cm("b"))
    cur = core.read_namespaced_config_map("a", NS)
    cur.data = {"k": "v2"}
    a2 = core.replace_namespaced_config_map("a", NS, cur)
    core.delete_namespaced_config_map("b", NS)

    w2 = watch.Watch()
    s2 = w2.stream(core.list_namespaced_config_map, NS, label_selector=sel, resource_version=last_rv, timeout_seconds=5, _request_timeout=10)
    got = drain(s2, 3)
    assert summary(got) == [("ADDED", "b"), ("MODIFIED", "a"), ("DELETED", "b")], summary(got)
    assert got[0]["object"].metadata.resource_version == b.metadata.resource_version
    assert got[1]["object"].metadata.resource_version == a2.metadata.resource_version
    assert got[1]["object"].data == {"k": "v2"}
    rvs = [int(e["object"].metadata.resource_version) for e in got]
    assert rvs == sorted(rvs) and len(set(rvs)) == 3, rvs
    # Nothing else was queued: the next event is the one caused now.
    c = core.create_namespaced_config_map(NS, cm("c"))
    nxt = drain(s2, 1)
    assert summary(nxt) == [("ADDED", "c")], summary(nxt)
    assert nxt[0]["object"].metadata.resource_version == c.metadata.resource_version
    w2.stop()
    s2.close()


@check
def watch_ends_at_timeout_seconds():
    # The server closes a watch after timeoutSeconds; the stream then simply ends.
    rv = core.list_namespaced_config_map(NS, label_selector="smoke=none").metadata.resource_version
    w = watch.Watch()
    events = list(w.stream(core.list_namespaced_config_map, NS, label_selector="smoke=none", resource_version=rv, timeout_seconds=1, _request_timeout=10))
    assert events == [], summary(events)


@check
def deployments_watch_resume():
    sel = "smoke=dwatch"
    rv0 = apps.list_namespaced_deployment(NS, label_selector=sel).metadata.resource_version
    apps.create_namespaced_deployment(NS, deployment("da", {"smoke": "dwatch"}))
    w1 = watch.Watch()
    s1 = w1.stream(apps.list_namespaced_deployment, NS, label_selector=sel, resource_version=rv0, timeout_seconds=5, _request_timeout=10)
    first = drain(s1, 1)
    assert summary(first) == [("ADDED", "da")], summary(first)
    assert isinstance(first[0]["object"], client.V1Deployment)
    s1.close()
    d = apps.read_namespaced_deployment("da", NS)
    d.spec.replicas = 4
    apps.replace_namespaced_deployment("da", NS, d)
    apps.delete_namespaced_deployment("da", NS)
    s2 = watch.Watch().stream(apps.list_namespaced_deployment, NS, label_selector=sel, resource_version=w1.resource_version, timeout_seconds=5, _request_timeout=10)
    got = drain(s2, 2)
    s2.close()
    assert summary(got) == [("MODIFIED", "da"), ("DELETED", "da")], summary(got)
    assert got[0]["object"].spec.replicas == 4


def main():
    print(json.dumps({"plan": [fn.__name__ for fn in CHECKS]}), flush=True)
    for fn in CHECKS:
        try:
            fn()
            line = {"check": fn.__name__, "ok": True}
        except Exception as e:  # report every failure and go on
            line = {"check": fn.__name__, "ok": False, "error": "%s: %s" % (type(e).__name__, e), "trace": traceback.format_exc()}
        print(json.dumps(line), flush=True)
        if fn is load_kube_config and not line["ok"]:
            break


if __name__ == "__main__":
    main()
