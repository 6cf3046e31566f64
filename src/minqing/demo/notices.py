"""Demo notices (公告) for the demo county: one of each kind, at the county, a township and a community,
so the public boards and the feed show what a working office would publish."""

from ..consult.models import Consultation
from ..org.models import User
from ..publicity.notices import publish

NOTICES = [
    ("dispatcher", "QS", "faq", "低保、临时救助怎么申请？",
     "带上身份证、户口本和收入情况说明，到所在村（社区）便民服务站登记即可，工作人员会在10个工作日内上门核实。"
     "不会填表的，可以请网格员上门代办。"),
    ("cg_dispatcher", "QS-CG", "plan", "城关镇今冬明春道路和路灯改造计划",
     "明年3月底前完成东门社区、西街社区背街小巷路面修补，更换老旧路灯约120盏。施工期间部分路段分时段通行，届时另行公告。"),
    ("cg_dispatcher", "QS-CG-DM", "doing", "东门社区正在清理楼道杂物",
     "本周起社区工作人员和网格员逐栋清理楼道堆放物，消除消防隐患。请各位居民配合，自家物品请在周五前搬回室内。"),
]


def load_demo_notices() -> None:
    for username, unit, kind, title, body in NOTICES:
        publish(User.objects.get(username=username), {"unit": unit, "kind": kind, "title": title, "body": body})
    lift = Consultation.objects.filter(title="老旧小区加装电梯征求意见").first()
    if lift is not None:
        publish(User.objects.get(username="cg_dispatcher"), {
            "unit": "QS-CG", "kind": "result", "consultation": lift.id, "title": "加装电梯征求意见结果公示",
            "body": "80户居民参与表态。多数住户（高层）赞成试点加装；低层住户担心采光和噪音、不愿分摊费用——"
                    "这部分意见单独列出，下一步将召开听证会，低层住户分摊比例另行商定。"})
