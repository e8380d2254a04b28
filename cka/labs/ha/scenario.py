"""The HA lab's scenario: what is broken, in which order, and what must hold after each step.

  1. one etcd leader, writes succeed;
  2. kill the etcd leader: a new one is elected, writes go on with two of three members;
  3. kill a second member: no quorum, writes and linearizable reads fail, serializable
     reads still answer; restart one member: quorum and writes return;
  4. kill one API server: kubectl through HAProxy keeps working (longest gap measured);
  5. kill the leading controller manager: the other one takes the Lease (time measured).

The generated output is keyed by this file, scripts of the lab (lab.sh) and the page's
haproxy.cfg (cka.labs.ha.report.INPUT_FILES), not by the harness's own code.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
import time

from .common import (
    ETCD_KEY,
    LAB_SH,
    STREAM_MAX_REQUESTS,
    STREAM_MAX_SECONDS,
    LabError,
    became_leader_at,
    fmt_s,
    longest_gap,
    say,
)
from .harness import Harness, last_error


class Scenario(Harness):
    """The five steps, run after the harness brings the control plane up."""

    def one_leader_writes_succeed(self) -> None:
        self.t.section("step-1")
        say("==> [step 1/5] etcd: one leader, writes succeed")
        self.show("etcdctl", "endpoint", "status", "--cluster", "-w", "table")
        status = self.etcd_status(self.topo.etcd_nodes)
        leaders = {s["Status"].get("leader", 0) for s in status}
        terms = {s["Status"].get("raftTerm", 0) for s in status}
        members = self.members()
        if len(status) != 3 or len(leaders) != 1 or 0 in leaders or len(terms) != 1:
            raise LabError(f"expected three members that agree on one leader and one term, got {status}")
        is_leader = [s for s in status if s["Status"]["header"].get("member_id") == s["Status"].get("leader", 0)]
        if len(is_leader) != 1:
            raise LabError("expected exactly one member with IS LEADER true")
        self.leader = members[leaders.pop()]
        self.show("etcdctl", "put", ETCD_KEY, "written with 3 of 3 members")
        self.figures["first_leader"] = self.leader
        say(f"    leader: {self.leader} (term {terms.pop()}); the write succeeded")

    def etcd_leader_killed(self) -> None:
        self.t.section("step-2")
        old = self.leader
        members = {name: mid for mid, name in self.members().items()}
        rest = [n for n in self.topo.etcd_nodes if n != old]
        say(f"==> [step 2/5] kill the etcd leader ({old}) with SIGKILL")
        t0 = time.monotonic()
        killed_at = self.kill("etcd", old)
        self.t.note(f"kill -9 the etcd member on {old} (the leader)")
        seen = None
        deadline = t0 + 20
        while time.monotonic() < deadline:
            for s in self.etcd_status(rest):
                lead = s["Status"].get("leader", 0)
                if lead not in (0, members[old]):
                    seen = time.monotonic() - t0
                    new_id = lead
                    break
            if seen is not None:
                break
            time.sleep(0.05)
        if seen is None:
            raise LabError(f"no new etcd leader among {', '.join(rest)} within 20 s")
        self.leader = {v: k for k, v in members.items()}[new_id]
        log = self.components[("etcd", self.leader)].log.read_text(errors="replace")
        elected = became_leader_at(log, format(new_id, "x"), killed_at)
        election = (elected - killed_at) if elected else seen
        self.figures.update(election_s=round(election, 2), election_seen_s=round(seen, 2), second_leader=self.leader)
        self.t.note(f"{self.leader} became leader {fmt_s(election)} s after the kill (etcd's log); "
                    f"etcdctl saw it after {fmt_s(seen)} s")
        self.show("etcdctl", "--command-timeout=2s", "endpoint", "status", "--cluster", "-w", "table", expect=None)
        self.show("etcdctl", "put", ETCD_KEY, "written with 2 of 3 members")
        say(f"    new leader {self.leader} after {fmt_s(election)} s (etcd's log; etcdctl saw it after {fmt_s(seen)} s); "
            "writes go on with 2 of 3 members")

    def quorum_lost_and_restored(self) -> None:
        self.t.section("step-3")
        follower = next(n for n in self.topo.etcd_nodes if n not in (self.leader, self.first_down))
        survivor = self.leader
        say(f"==> [step 3/5] kill a second etcd member ({follower}): 1 of 3 is below the quorum of 2")
        self.kill("etcd", follower)
        self.t.note(f"kill -9 the etcd member on {follower}: only {survivor} is left, 1 of 3 members")
        time.sleep(2.5)  # longer than the election timeout (1 s): the lone leader steps down (CheckQuorum)
        put = self.show("etcdctl", "--command-timeout=3s", "put", ETCD_KEY, "written by 1 of 3 members", expect=False)
        self.figures["no_quorum_write_error"] = last_error(put.stderr)
        get = self.show("etcdctl", "--command-timeout=3s", "get", ETCD_KEY, expect=False)
        self.figures["no_quorum_read_error"] = last_error(get.stderr)
        serial = self.show("etcdctl", "get", ETCD_KEY, "--consistency=s")
        if "written with 2 of 3 members" not in serial.stdout:
            raise LabError(f"the serializable read returned {serial.stdout!r}, not the last committed value")
        self.show(f"ETCDCTL_ENDPOINTS={self.endpoint(survivor)}", "etcdctl", "endpoint", "status", "-w", "table")
        kube = self.show("kubectl", "create", "configmap", "written-without-quorum", "--request-timeout=5s",
                         timeout=30, expect=False)
        self.figures["no_quorum_kubectl_error"] = last_error(kube.stderr)
        say(f"    writes fail ({self.figures['no_quorum_write_error']}), linearizable reads fail, "
            "serializable reads answer; kubectl cannot change anything")

        say(f"==> [step 3/5] restart etcd on {follower}: 2 of 3 members, quorum again")
        t0 = time.monotonic()
        self.start("etcd", follower)
        self.t.note(f"start the etcd member on {follower} again (same data directory)")
        deadline = t0 + 30
        while not self.put_ok("written after the quorum came back"):
            if time.monotonic() > deadline:
                raise LabError("writes did not come back within 30 s of restarting a member")
            time.sleep(0.1)
        back = time.monotonic() - t0
        self.figures["quorum_back_s"] = round(back, 2)
        self.t.note(f"writes succeed again {fmt_s(back)} s after the member was started")
        self.show("etcdctl", "--command-timeout=2s", "endpoint", "status", "--cluster", "-w", "table", expect=None)
        self.show("etcdctl", "get", ETCD_KEY)
        say(f"    writes are back {fmt_s(back)} s after the restart")

        say(f"==> [step 3/5] restart etcd on {self.first_down} too, wait for 3 healthy members and both API servers")
        self.start("etcd", self.first_down)
        self.wait_etcd_healthy(60)
        self.show("etcdctl", "endpoint", "health", "--cluster", "-w", "table")
        self.wait_api(120)
        self.wait_leases(60)

    def api_server_killed(self) -> None:
        self.t.section("step-4")
        victim = self.topo.api_nodes[0]
        say(f"==> [step 4/5] kill kube-apiserver on {victim}; kubectl keeps asking through HAProxy")
        self.show("kubectl", "get", "lease", "-n", "kube-system")
        requests: list[tuple[float, float, bool]] = []
        details: list[tuple[float, float, bool, str]] = []
        start = time.monotonic()
        killed = down_at = None
        while len(requests) < STREAM_MAX_REQUESTS and time.monotonic() - start < STREAM_MAX_SECONDS:
            if killed is None and time.monotonic() - start >= 2.0:
                self.kill("kube-apiserver", victim)
                killed = time.monotonic()
            if killed is not None and down_at is None:
                downs = [t for t, n, s, _ in self.haproxy_states(killed) if n == victim and s == "DOWN"]
                down_at = downs[0] if downs else None
            if down_at is not None and time.monotonic() - down_at > 3.0:
                break
            sent = time.monotonic()
            result = self.client("kubectl", "get", "namespace", "kube-system", "-o", "name", "--request-timeout=10s",
                                 timeout=20)
            done = time.monotonic()
            ok = result.returncode == 0 and "namespace/kube-system" in result.stdout
            requests.append((sent, done, ok))
            details.append((sent, done, ok, (result.stdout.strip() if ok else last_error(result.stderr))))
        if killed is None or down_at is None:
            raise LabError(f"HAProxy did not mark {victim} DOWN within {STREAM_MAX_SECONDS:.0f} s of the kill")
        gap = longest_gap(requests, start)
        failed = sum(1 for r in requests if not r[2])
        after = [r for r in requests if r[0] >= killed]
        before = [r[1] - r[0] for r in requests if r[1] < killed]
        self.figures.update(
            api_gap_s=round(gap, 2), api_requests=len(requests), api_failed=failed,
            api_down_detect_s=round(down_at - killed, 2), api_killed=victim,
            api_typical_s=round(sorted(before)[len(before) // 2], 2) if before else None,
            api_stream_s=round(requests[-1][1] - start, 2),
        )
        self.t.note(f"kubectl get namespace kube-system -o name --request-timeout=10s, again and again, through "
                    f"{self.topo.lb_ip}:{self.topo.port}")
        self.t.note(f"kube-apiserver on {victim} is killed at +{fmt_s(killed - start)} s; "
                    "each line: time since the first request, result, duration, answer")
        for sent, done, ok, text in details:
            if sent >= killed - 0.6 and sent <= down_at + 0.5:
                self.add_request(start, sent, done, ok, text)
        for line in self.haproxy_log(killed, down_at + 0.2, only=f"{self.topo.backend}/{victim}"):
            self.t.note(f"haproxy: {line}")
        self.t.note(f"{len(requests)} requests in {fmt_s(requests[-1][1] - start)} s ({len(after)} after the kill), "
                    f"{failed} failed; longest time without an answer: {fmt_s(gap)} s")
        self.t.note(f"HAProxy marked {victim} DOWN {fmt_s(down_at - killed)} s after the kill")
        if failed:
            raise LabError(f"{failed} of {len(requests)} kubectl requests through HAProxy failed while one API server was down")
        if gap > 15:
            raise LabError(f"kubectl went {gap:.1f} s without an answer through HAProxy")
        say(f"    {len(requests)} requests, {failed} failed; longest gap {fmt_s(gap)} s; "
            f"HAProxy marked {victim} DOWN after {fmt_s(down_at - killed)} s")
        say(f"==> [step 4/5] start kube-apiserver on {victim} again")
        t0 = time.monotonic()
        self.start("kube-apiserver", victim)
        up_at = self.wait_haproxy(victim, "UP", 120, since=t0)
        self.figures["api_back_s"] = round(up_at - t0, 2)
        for line in self.haproxy_log(t0, only=f"{self.topo.backend}/{victim} is"):
            self.t.note(f"haproxy: {line}")
        self.wait_api(60)
        self.wait_leases(60)

    def controller_manager_failover(self) -> None:
        self.t.section("step-5")
        holder = self.lease_holder("kube-controller-manager")
        leader = holder.split("_")[0]
        if leader not in self.topo.api_nodes:
            raise LabError(f"unexpected kube-controller-manager Lease holder {holder!r}")
        say(f"==> [step 5/5] kill the leading kube-controller-manager ({leader}); the other one takes the Lease")
        self.show("kubectl", "get", "lease", "kube-controller-manager", "-n", "kube-system")
        watch = subprocess.Popen(
            ["bash", str(LAB_SH), "client", "kubectl", "get", "lease", "kube-controller-manager", "-n", "kube-system",
             "--watch", "-o", "jsonpath={.spec.holderIdentity}{'\\n'}"],
            env=self.env(), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, start_new_session=True)
        seen: list[tuple[float, str]] = []
        reader = threading.Thread(target=lambda: [seen.append((time.monotonic(), line.strip())) for line in watch.stdout],
                                  daemon=True)
        reader.start()
        try:
            deadline = time.monotonic() + 15
            while not seen and time.monotonic() < deadline:
                time.sleep(0.1)
            if not seen:
                raise LabError("kubectl get lease --watch printed nothing within 15 s")
            t0 = time.monotonic()
            self.kill("kube-controller-manager", leader)
            self.t.note(f"kill -9 kube-controller-manager on {leader} (the Lease holder); "
                        "`kubectl get lease --watch` sees every change")
            deadline = t0 + 60
            new = None
            while new is None and time.monotonic() < deadline:
                new = next(((t, h) for t, h in list(seen) if t >= t0 and h and h != holder), None)
                time.sleep(0.05)
            if new is None:
                raise LabError("no other kube-controller-manager took the Lease within 60 s")
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(watch.pid, signal.SIGKILL)
            watch.wait(timeout=10)
        takeover = new[0] - t0
        self.figures.update(lease_takeover_s=round(takeover, 2), lease_from=leader, lease_to=new[1].split("_")[0])
        self.t.note(f"the Lease changed hands {fmt_s(takeover)} s after the kill "
                    f"(lease duration 6 s, retry period 1 s)")
        self.show("kubectl", "get", "lease", "kube-controller-manager", "-n", "kube-system", "-o",
                  "custom-columns=HOLDER:.spec.holderIdentity,DURATION:.spec.leaseDurationSeconds,"
                  "TRANSITIONS:.spec.leaseTransitions")
        self.show("kubectl", "create", "deployment", "ha-check", "--image=registry.k8s.io/pause:3.10")
        deadline = time.monotonic() + 30
        while True:
            rs = self.client("kubectl", "get", "replicaset", "-l", "app=ha-check", "-o", "name")
            if rs.stdout.strip():
                break
            if time.monotonic() > deadline:
                raise LabError("the new leader's Deployment controller made no ReplicaSet within 30 s")
            time.sleep(0.5)
        self.show("kubectl", "get", "deployment,replicaset", "-l", "app=ha-check")
        self.t.note("the ReplicaSet exists: the new leader's controllers are working (no nodes, so no Pod runs)")
        say(f"    the Lease moved to {self.figures['lease_to']} {fmt_s(takeover)} s after the kill; "
            "its Deployment controller made the ReplicaSet")

    def run(self) -> None:
        self.first_down = ""
        for step in (self.up, self.one_leader_writes_succeed, self.etcd_leader_killed, self.quorum_lost_and_restored, self.api_server_killed, self.controller_manager_failover):
            step()
            if step == self.one_leader_writes_succeed:
                self.first_down = self.leader  # step 2 kills it
            self.note_restart_counts(self.t.current)

