"""The locust file of `python -m minqing.bench load`: a city's peak hour in four kinds of users, over the
public API of real `minqing serve` nodes (LOAD_HOSTS, comma-separated; each simulated user sticks to one
node, as behind a proxy without stickiness it would land on any). Weights: citizens 6, staff 3,
consultation voters 2, leaders 1 — a peak hour is mostly people raising and following their voices.
Only locust and the standard library here: locust runs this file in a process of its own."""

import itertools
import os
import random
import uuid

from locust import HttpUser, between, task

HOSTS = itertools.cycle(os.environ.get("LOAD_HOSTS", "http://127.0.0.1:8000").split(","))
PASSWORD = os.environ.get("LOAD_PASSWORD", "minqing-demo-2026")
UNITS = os.environ.get("LOAD_UNITS", "").split(",")
PHRASES = ["小区门口路灯坏了好几天，晚上出行很不方便", "楼下餐馆油烟太大，窗户都不敢开", "村道上有个大坑，电动车摔了好几次",
           "自来水发黄有异味，已经持续一周", "广场舞音响太吵，晚上十点还在跳", "垃圾桶满了没人清运，气味很大",
           "公交站台的顶棚破了，下雨没处躲", "工地夜间施工噪音扰民，影响休息", "老旧小区加装电梯的进度怎么样了",
           "学校门口上下学时段交通拥堵严重"]


class Node(HttpUser):
    abstract = True
    wait_time = between(1, 3)

    def __init__(self, environment):
        self.host = next(HOSTS)  # before HttpUser builds its client for it
        super().__init__(environment)

    def login(self, username: str) -> None:
        r = self.client.post("/api/token", json={"username": username, "password": PASSWORD}, name="/api/token")
        self.client.headers["Authorization"] = f"Bearer {r.json()['token']}"


class Citizen(Node):
    weight = 6

    def on_start(self):
        self.codes = []

    @task(2)
    def submit(self):
        text = f"{random.choice(PHRASES)}，{uuid.uuid4().hex[:6]}号楼附近。"
        r = self.client.post("/api/voices", json={"text": text, "channel": "web", "unit": random.choice(UNITS),
                                                  "submitter": {"mode": "anonymous"}}, name="/api/voices")
        if r.status_code == 201:
            self.codes.append(r.json()["tracking_code"])

    @task(3)
    def track(self):
        if self.codes:
            self.client.get(f"/api/track/{random.choice(self.codes)}", name="/api/track/[code]")


class Staff(Node):
    weight = 3

    def on_start(self):
        self.login(random.choice(["dispatcher", "cg_dispatcher", "dm_handler", "hk_handler"]))
        self.numbers = []

    @task(4)
    def list_cases(self):
        r = self.client.get(f"/api/cases?page={random.randint(1, 3)}", name="/api/cases")
        if r.status_code == 200:
            self.numbers = [c["number"] for c in r.json()["items"]][:20] or self.numbers

    @task(2)
    def search(self):
        self.client.get(f"/api/cases?q={random.choice(['路灯', '噪音', '垃圾', '停车', '漏水'])}", name="/api/cases?q")

    @task(3)
    def open_case(self):
        if self.numbers:
            self.client.get(f"/api/cases/{random.choice(self.numbers)}", name="/api/cases/[number]")

    @task(1)
    def act(self):
        """An internal note on a case: a real write (the case's row lock, an event, its seal) in any status."""
        if self.numbers:
            self.client.post(f"/api/cases/{random.choice(self.numbers)}/note", json={"note": "已电话联系群众，正在核实。"},
                             name="/api/cases/[number]/note")


class Leader(Node):
    weight = 1

    def on_start(self):
        self.login(random.choice(["leader", "cg_leader"]))

    @task(3)
    def dashboard(self):
        self.client.get("/api/stats/dashboard", name="/api/stats/dashboard")

    @task(2)
    def rates(self):
        self.client.get("/api/stats/rates", name="/api/stats/rates")

    @task(1)
    def hotspots(self):
        self.client.get("/api/hotspots", name="/api/hotspots")


class Voter(Node):
    weight = 2

    def on_start(self):
        self.device = f"load-{uuid.uuid4().hex[:12]}"
        r = self.client.get("/api/consultations", name="/api/consultations")
        open_ = [c["id"] for c in r.json() if c.get("open")] if r.status_code == 200 else []
        self.cid = open_[0] if open_ else None

    @task
    def vote(self):
        if self.cid is None:
            return
        r = self.client.get(f"/api/consultations/{self.cid}/next?participant={self.device}&n=3",
                            name="/api/consultations/[id]/next")
        if r.status_code != 200 or not r.json():
            return
        votes = [{"participant": self.device, "statement": s["id"], "vote": random.choice(["agree", "disagree", "pass"])}
                 for s in r.json()]
        self.client.post(f"/api/consultations/{self.cid}/votes", json={"votes": votes},
                         name="/api/consultations/[id]/votes")
