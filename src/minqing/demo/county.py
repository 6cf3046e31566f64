"""The demo county 青山县: four levels (county → township → village → grid), county and township
departments, routing of some categories to their county department, and a user for every role."""

import math

from ..ledger.models import Category
from ..org.models import Level, Role, Unit, User
from ..org.services import add_unit, create_user
from ..workflow.models import RoutingRule

PASSWORD = "minqing-demo-2026"
TOWNSHIPS = {
    "CG": ("城关镇", {"DM": "东门社区", "XJ": "西街社区", "HK": "河口村"}),
    "GH": ("桂花街道", {"GP": "桂花坪社区", "JR": "景蓉社区", "HJ": "火炬村"}),
    "YH": ("洋湖镇", {"YH": "洋湖村", "XJ": "湘江村", "XM": "新民村"}),
    "SM": ("石门乡", {"SM": "石门村", "BY": "白云村", "QL": "青龙村"}),
}
DEPARTMENTS = {  # first-level category → the county department that usually handles it
    "MZ": ("民政局", "民政"), "ZJ": ("住建局", "城乡建设"), "JY": ("教育局", "教育文体"),
    "RS": ("人社局", "劳动和社会保障"), "WJ": ("卫健委", "卫生计生"), "JT": ("交通运输局", "交通运输"),
    "HB": ("生态环境局", "环境保护"), "SJ": ("市场监管局", "商贸旅游"), "GA": ("公安局", "政法"),
    "NY": ("农业农村局", "农村农业"),
}
# Centres (WGS-84) for the map: the county seat, each township's, and its villages and grids spread around
# it (a village ~1.8 km from its township's centre, a grid ~300 m from its village's). A made-up county
# placed where the names would be, east of the Xiang river.
COUNTY_CENTRE = (28.196, 112.972)
TOWNSHIP_CENTRES = {"CG": (28.196, 112.972), "GH": (28.232, 113.021), "YH": (28.139, 112.921), "SM": (28.268, 112.893)}
DEMO_USERS = [  # username, role, unit, password, what they are
    ("admin", Role.ADMIN, "QS", PASSWORD, "系统管理员"),
    ("dispatcher", Role.DISPATCHER, "QS", PASSWORD, "县群众诉求受理中心 派单员"),
    ("cg_dispatcher", Role.DISPATCHER, "QS-CG", PASSWORD, "城关镇 受理派单员"),
    ("leader", Role.LEADER, "QS", PASSWORD, "县领导"),
    ("cg_leader", Role.LEADER, "QS-CG", PASSWORD, "城关镇 党委书记"),
    ("dm_handler", Role.HANDLER, "QS-CG-DM", PASSWORD, "东门社区 承办人"),
    ("hk_handler", Role.HANDLER, "QS-CG-HK", PASSWORD, "河口村 承办人"),
    ("zj_handler", Role.HANDLER, "QS-ZJ", PASSWORD, "县住建局 承办人"),
    ("grid", Role.GRID, "QS-CG-DM-G1", PASSWORD, "东门社区第一网格 网格员"),
]


# County-wide routing: these categories go to their department; the rest to the village or township.
ROUTED_TO_DEPARTMENT = ("教育文体", "卫生计生", "劳动和社会保障", "民政", "环境保护")


def build_routing() -> None:
    county = Unit.objects.get(code="QS")
    for code, (_name, category) in DEPARTMENTS.items():
        if category in ROUTED_TO_DEPARTMENT:
            RoutingRule.objects.create(category=Category.objects.get(level=1, name=category), area=county,
                                       unit=Unit.objects.get(code=f"QS-{code}"), note="县级部门统一承办")


def build_units() -> None:
    add_unit("QS", "青山县", Level.COUNTY, phone="0731-12345")
    for code, (name, _cat) in DEPARTMENTS.items():
        add_unit(f"QS-{code}", f"青山县{name}", Level.DEPARTMENT, "QS")
    for t_code, (t_name, villages) in TOWNSHIPS.items():
        township = f"QS-{t_code}"
        add_unit(township, t_name, Level.TOWNSHIP, "QS", phone=f"0731-8{len(t_code)}{ord(t_code[0]) % 100:02d}001")
        add_unit(f"{township}-SW", f"{t_name}社会事务办", Level.DEPARTMENT, township)
        for v_code, v_name in villages.items():
            village = f"{township}-{v_code}"
            add_unit(village, v_name, Level.VILLAGE, township)
            for g in (1, 2):
                add_unit(f"{village}-G{g}", f"{v_name}第{'一二'[g - 1]}网格", Level.GRID, village)
    place_units()


def place_units() -> None:
    """Give the county, its townships, villages and grids their centres (departments have no place)."""
    Unit.objects.filter(code="QS").update(lat=COUNTY_CENTRE[0], lng=COUNTY_CENTRE[1])
    for t_code, (_name, villages) in TOWNSHIPS.items():
        t_lat, t_lng = TOWNSHIP_CENTRES[t_code]
        Unit.objects.filter(code=f"QS-{t_code}").update(lat=t_lat, lng=t_lng)
        for k, v_code in enumerate(villages):
            turn = 2 * math.pi * k / len(villages) + 0.5
            v_lat, v_lng = round(t_lat + 0.016 * math.sin(turn), 5), round(t_lng + 0.018 * math.cos(turn), 5)
            Unit.objects.filter(code=f"QS-{t_code}-{v_code}").update(lat=v_lat, lng=v_lng)
            for g, (d_lat, d_lng) in enumerate(((0.0025, -0.002), (-0.002, 0.003)), start=1):
                Unit.objects.filter(code=f"QS-{t_code}-{v_code}-G{g}").update(lat=round(v_lat + d_lat, 5),
                                                                           lng=round(v_lng + d_lng, 5))


def build_handlers() -> None:
    """Every village and department gets a handler account (h-<code>), besides the named demo users."""
    for unit in Unit.objects.filter(level__in=[Level.VILLAGE, Level.DEPARTMENT]):
        if not User.objects.filter(unit=unit, role=Role.HANDLER).exists():
            create_user(f"h-{unit.code.lower()}", PASSWORD, Role.HANDLER, unit.code, f"{unit.name} 承办人")
