from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path

from apps.accounts import pages
from apps.accounts import views as accounts
from apps.chats import search_views
from apps.chats import views as chats
from apps.console import views as console
from apps.files import views as files
from apps.guard import views as guard
from apps.monitor import views as monitor
from apps.privacy import pages as privacy_pages
from apps.privacy import views as privacy
from apps.realtime import views as realtime
from apps.visitors import views as visitors

urlpatterns = [
    path("api/user/track", visitors.track),
    path("api/state/init", chats.state_init),
    path("api/message", chats.message),
    path("api/chat/history", chats.history),
    path("api/chats/search", search_views.search),
    path("api/chats/<str:chat_id>/transcript", search_views.chat_transcript),
    path("api/ping", visitors.ping),
    path("api/users/online", visitors.users_online),
    path("api/visitors/ban", guard.ban),
    path("api/visitors/unban", guard.unban),
    path("api/visitors/bans", guard.bans_list),
    path("api/visitors/<str:uid>", console.visitor),
    path("api/staff/online", accounts.staff_online),
    path("api/staff/info", accounts.staff_info),
    path("api/staff/status", accounts.staff_status),
    path("api/widget/config", accounts.widget_config),
    path("api/files", files.upload),
    path("api/canned", console.canned),
    path("api/canned/<str:canned_id>", console.canned_one),
    path("api/bots", console.bots),
    path("api/privacy/retention", privacy.retention_policy),
    path("api/privacy/export", privacy.export),
    path("api/privacy/erase", privacy.erase),
    path("api/privacy/audit", privacy.audit_trail),
    path("files/<str:upload_id>/<str:name>", files.download),
    path("images", files.upload_b64_image),
    path("images/<str:upload_id>", files.image),
    path("monitor/api/ping", monitor.ping),
    path("pull", realtime.pull),
    path("", pages.console, name="console"),
    path("demo/", pages.demo, name="demo"),
    path("org/privacy/", privacy_pages.privacy, name="org-privacy"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path("admin/", admin.site.urls),
]

handler404 = "apps.core.http.handler404"
handler500 = "apps.core.http.handler500"
