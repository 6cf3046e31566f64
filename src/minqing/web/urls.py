from django.contrib.auth import views as auth_views
from django.urls import path

from .views import citizen, consult, docs, field, insight, notices, public, staff, stats

urlpatterns = [
    path("", staff.home, name="home"),
    path("login/", auth_views.LoginView.as_view(template_name="minqing/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("submit/", citizen.submit, name="submit"),
    path("track/", citizen.track_lookup, name="track_lookup"),
    path("track/<str:code>/", citizen.track, name="track"),
    path("cases/", staff.case_list, name="case_list"),
    path("cases/new/", staff.case_new, name="case_new"),
    path("cases/export.xlsx", staff.case_export, name="case_export"),
    path("cases/<str:number>/", staff.case_detail, name="case_detail"),
    path("cases/<str:number>/act/<str:action>/", staff.case_act, name="case_act"),
    path("cases/<str:number>/attach/", staff.case_attach, name="case_attach"),
    path("cases/<str:number>/attachments/<int:attachment_id>/", staff.case_attachment, name="case_attachment"),
    path("cases/<str:number>/contact/", staff.case_contact, name="case_contact"),
    path("cases/<str:number>/merge/", staff.case_merge, name="case_merge"),
    path("cases/<str:number>/suggestion/", staff.case_accept_suggestion, name="case_accept_suggestion"),
    path("import/", staff.ledger_import, name="ledger_import"),
    path("stats/", stats.rates_page, name="rates"),
    path("notices/", notices.notices, name="notices"),
    path("hotspots/", insight.hotspots_page, name="hotspots"),
    path("visits/", field.visits_page, name="visits"),
    path("consult/", consult.consult_list, name="consult_list"),
    path("consult/<int:cid>/", consult.participate, name="consult_participate"),
    path("consult/<int:cid>/results/", consult.results_page, name="consult_results"),
    path("consult/<int:cid>/results.<str:fmt>", consult.results_export, name="consult_export"),
    path("consult/<int:cid>/manage/", consult.manage, name="consult_manage"),
    path("public/<str:unit_code>/", public.board_page, name="public_board"),
    path("public/<str:unit_code>/feed.atom", public.BoardFeed(), name="public_feed"),
    path("docs/<slug:name>", docs.doc_page, name="doc"),
]
