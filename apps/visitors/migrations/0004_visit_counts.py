from django.db import migrations, models

# Visitors stored before the counters: their page views are counted once; their visits start at one.
COUNT_PAGE_VIEWS = (
    "UPDATE visitors_visitor SET page_views ="
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
        migrations.RunSQL(COUNT_PAGE_VIEWS, migrations.RunSQL.noop),
    ]
