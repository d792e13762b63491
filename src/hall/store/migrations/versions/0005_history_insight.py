"""history reasons, candidates, vectors, triage; insight clusters

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table("insight_clusters",
    sa.Column("id", sa.String(length=40), nullable=False),
    sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("size", sa.Integer(), nullable=False),
    sa.Column("questions", sa.JSON(), nullable=False),
    sa.Column("texts", sa.JSON(), nullable=False),
    sa.Column("suggestions", sa.JSON(), nullable=False),
    sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
    sa.Column("state", sa.String(length=16), nullable=False),
    sa.Column("failed", sa.Integer(), nullable=False),
    sa.Column("action", sa.JSON(), nullable=True),
    sa.Column("resolved_by", sa.String(length=100), nullable=True),
    sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint("id", name=op.f("pk_insight_clusters"))
    )
    with op.batch_alter_table("insight_clusters", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_insight_clusters_computed_at"), ["computed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_insight_clusters_state"), ["state"], unique=False)

    with op.batch_alter_table("question_history", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("candidates", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("vector", sa.LargeBinary(), nullable=True))
        batch_op.add_column(sa.Column("triage", sa.String(length=16), nullable=True))
        batch_op.create_index(batch_op.f("ix_question_history_triage"), ["triage"], unique=False)



def downgrade() -> None:
    with op.batch_alter_table("question_history", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_history_triage"))
        batch_op.drop_column("triage")
        batch_op.drop_column("vector")
        batch_op.drop_column("candidates")
        batch_op.drop_column("reason")

    with op.batch_alter_table("insight_clusters", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_insight_clusters_state"))
        batch_op.drop_index(batch_op.f("ix_insight_clusters_computed_at"))

    op.drop_table("insight_clusters")
