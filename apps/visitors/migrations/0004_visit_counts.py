import django.utils.timezone
from django.db import migrations, models

# Visitors stored before the counters: their page views are counted once; their visits start at one,
# when they were first seen.
COUNT_PAGE_VIEWS = (
    "UPDATE visitors_visitor SET visit_started_at = created_at, page_views ="
    " (SELECT COUNT(*) FROM visitors_visit WHERE visitors_visit.visitor_id = visitors_visitor.vid)"
)


class Migration(migrations.Migration):
    dependencies = [
        ("visitors", "0003_customer_verified"),
    ]

    operations = [
        migrations.AddField(
            model_name="visitor",
            name="page_views",
            field=models.IntegerField(db_default=0, default=0),
        ),
        migrations.AddField(
            model_name="visitor",
            name="visit_count",
            field=models.IntegerField(db_default=1, default=1),
        ),
        migrations.AddField(
            model_name="visitor",
            name="visit_started_at",
            field=models.DateTimeField(default=django.utils.timezone.now),
        ),
        migrations.RunSQL(COUNT_PAGE_VIEWS, migrations.RunSQL.noop),
    ]
