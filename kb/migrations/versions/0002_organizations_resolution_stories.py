"""Organisations with aliases, person resolution (canonical_id + person_merge), stories.

Revision ID: 0002
Revises: 0001

Existing organisation names (``position.organization``, ``mention.organization``) become
``organization`` rows and the new ``organization_id`` columns point at them.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "organization",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("aliases", sa.String(), nullable=False),
        sa.Column("region", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("organization", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_organization_name"), ["name"], unique=True)

    op.create_table(
        "story",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=False),
        sa.Column("original_article_id", sa.Integer(), nullable=False),
        sa.Column("first_published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_published", sa.DateTime(timezone=True), nullable=True),
        sa.Column("articles", sa.Integer(), nullable=False),
        sa.Column("outlets", sa.Integer(), nullable=False),
        sa.Column("syndicated", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("story", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_story_original_article_id"), ["original_article_id"], unique=False
        )

    op.create_table(
        "person_merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("other_id", sa.Integer(), nullable=False),
        sa.Column("rule", sa.String(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("detail", sa.String(), nullable=False),
        sa.Column("decided_at", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["other_id"], ["person.id"]),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person_merge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_merge_other_id"), ["other_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_merge_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_merge_rule"), ["rule"], unique=False)

    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.add_column(sa.Column("story_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("original", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(
            sa.Column("syndicated", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.add_column(sa.Column("syndicated_of", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("story_rule", sa.String(), nullable=True))
        batch_op.add_column(sa.Column("story_score", sa.Float(), nullable=True))
        batch_op.create_index(batch_op.f("ix_article_story_id"), ["story_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_article_syndicated_of_article", "article", ["syndicated_of"], ["id"]
        )
        batch_op.create_foreign_key("fk_article_story_id_story", "story", ["story_id"], ["id"])

    for table in ("mention", "position"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("organization_id", sa.Integer(), nullable=True))
            batch_op.create_index(
                batch_op.f(f"ix_{table}_organization_id"), ["organization_id"], unique=False
            )
            batch_op.create_foreign_key(
                f"fk_{table}_organization_id_organization",
                "organization",
                ["organization_id"],
                ["id"],
            )

    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.add_column(sa.Column("canonical_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("merged_names", sa.String(), nullable=False, server_default="[]")
        )
        batch_op.create_index(batch_op.f("ix_person_canonical_id"), ["canonical_id"], unique=False)
        batch_op.create_foreign_key(
            "fk_person_canonical_id_person", "person", ["canonical_id"], ["id"]
        )

    # Data: organisation names already stored become organization rows.
    op.execute(
        "INSERT INTO organization (name, aliases) SELECT DISTINCT organization, '[]' FROM"
        " (SELECT organization FROM position UNION SELECT organization FROM mention) AS o"
        " WHERE organization IS NOT NULL AND organization <> ''"
    )
    for table in ("mention", "position"):
        op.execute(
            f"UPDATE {table} SET organization_id = (SELECT o.id FROM organization o"
            f" WHERE o.name = {table}.organization) WHERE organization IS NOT NULL"
        )


def downgrade() -> None:
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_constraint("fk_person_canonical_id_person", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_person_canonical_id"))
        batch_op.drop_column("merged_names")
        batch_op.drop_column("canonical_id")

    for table in ("position", "mention"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_constraint(f"fk_{table}_organization_id_organization", type_="foreignkey")
            batch_op.drop_index(batch_op.f(f"ix_{table}_organization_id"))
            batch_op.drop_column("organization_id")

    with op.batch_alter_table("article", schema=None) as batch_op:
        batch_op.drop_constraint("fk_article_story_id_story", type_="foreignkey")
        batch_op.drop_constraint("fk_article_syndicated_of_article", type_="foreignkey")
        batch_op.drop_index(batch_op.f("ix_article_story_id"))
        for column in ("story_score", "story_rule", "syndicated_of", "syndicated", "original"):
            batch_op.drop_column(column)
        batch_op.drop_column("story_id")

    op.drop_table("person_merge")
    op.drop_table("story")
    op.drop_table("organization")
