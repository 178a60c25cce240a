from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import path
from django.views.i18n import set_language
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from apps.accounts import account_pages, pages, settings_views, staff_page, staff_views
from apps.accounts import views as accounts
from apps.chats import search_views
from apps.chats import views as chats
from apps.console import views as console
from apps.files import views as files
from apps.guard import views as guard
from apps.integrations import views as integrations
from apps.integrations.pages import integrations_page
from apps.monitor import views as monitor
from apps.privacy import pages as privacy_pages
from apps.privacy import views as privacy
from apps.realtime import views as realtime
from apps.reports import metrics
from apps.reports import pages as reports_pages
from apps.reports import views as reports
from apps.visitors import views as visitors
from horn import apischema

urlpatterns = [
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
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
    path("api/org/staff", staff_views.staff_list),
    path("api/org/staff/<str:sid>", staff_views.staff_one),
    path("api/org/staff/<str:sid>/invite", staff_views.staff_invite_again),
    path("api/org/settings", settings_views.org_settings),
    path("api/org/settings/secret", settings_views.org_secret),
    path("api/files", files.upload),
    path("api/canned", console.canned),
    path("api/canned/<str:canned_id>", console.canned_one),
    path("api/bots", console.bots),
    path("api/keys", integrations.keys_view),
    path("api/keys/<str:key_id>", integrations.key_one),
    path("api/webhooks", integrations.webhooks_view),
    path("api/webhooks/<str:hook_id>", integrations.webhook_one),
    path("api/webhooks/<str:hook_id>/deliveries", integrations.deliveries),
    path("api/webhooks/<str:hook_id>/deliveries/<str:delivery_id>/replay", integrations.replay),
    path("api/privacy/retention", privacy.retention_policy),
    path("api/privacy/export", privacy.export),
    path("api/privacy/erase", privacy.erase),
    path("api/privacy/audit", privacy.audit_trail),
    path("files/<str:upload_id>/<str:name>", files.download),
    path("images", files.upload_b64_image),
    path("images/<str:upload_id>", files.image),
    path("api/reports/live", reports.live),
    path("api/reports/<str:table>", reports.reports),
    path("monitor/api/ping", monitor.ping),
    path("metrics", metrics.metrics),
    path("pull", realtime.pull),
    path("", pages.console, name="console"),
    path("demo/", pages.demo, name="demo"),
    path("org/integrations/", integrations_page, name="org_integrations"),
    path("org/staff/", staff_page.staff_page, name="org_staff"),
    path("org/settings/", settings_views.settings_page, name="org-settings"),
    path("org/settings/preview/", settings_views.widget_preview, name="org-settings-preview"),
    path("org/reports/", reports_pages.reports, name="org-reports"),
    path("org/live/", reports_pages.live, name="org-live"),
    path("org/privacy/", privacy_pages.privacy, name="org-privacy"),
    path("login/", auth_views.LoginView.as_view(), name="login"),
    path("password-reset/", account_pages.forgot_password, name="forgot_password"),
    path("set-password/<str:token>/", account_pages.set_password, name="set_password"),
    path("signup/", account_pages.signup, name="signup"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    # The header's language select posts here; the choice is kept in the django_language cookie.
    path("i18n/setlang/", set_language, name="set_language"),
    path("admin/", admin.site.urls),
]

apischema.describe(urlpatterns)  # the OpenAPI description of each API view (horn/apischema.py)

handler404 = "apps.core.http.handler404"
handler500 = "apps.core.http.handler500"
