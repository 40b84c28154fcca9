"""cashier (出纳) and chief accountant (会计主管) roles; today's accountants keep closing periods

Revision ID: c8f1e2a4b6d3
Revises: b3e9d4a7c215
Create Date: 2026-12-04 10:00:00

Two roles join ``rolename`` (a text column: no CHECK lists the values): ``cashier`` records receipts
and payouts and never reviews or posts, and ``chief_accountant`` closes and reopens periods. Closing
was an accountant's until now, so every user holding ``accountant`` is also given
``chief_accountant``: nobody loses what they could do, and an administrator takes the role from
those who should not close the books. Which accountant is the cashier nobody can tell from the
data: an administrator moves that user to ``cashier`` (the users page, ``PATCH /api/v1/users/<id>``).
The downgrade removes both roles and their grants.
"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'c8f1e2a4b6d3'
down_revision = 'b3e9d4a7c215'
branch_labels = None
depends_on = None

roles = sa.table("roles", sa.column("id", sa.Integer), sa.column("name", sa.String))


def upgrade():
    bind = op.get_bind()
    for name in ("cashier", "chief_accountant"):
        if bind.execute(sa.select(roles.c.id).where(roles.c.name == name)).first() is None:
            bind.execute(roles.insert().values(name=name))
    op.execute("""INSERT INTO user_roles (user_id, role_id)
                  SELECT ur.user_id, (SELECT id FROM roles WHERE name = 'chief_accountant')
                  FROM user_roles ur JOIN roles r ON r.id = ur.role_id
                  WHERE r.name = 'accountant'
                    AND NOT EXISTS (SELECT 1 FROM user_roles x WHERE x.user_id = ur.user_id
                                    AND x.role_id = (SELECT id FROM roles WHERE name = 'chief_accountant'))""")


def downgrade():
    op.execute("DELETE FROM user_roles WHERE role_id IN (SELECT id FROM roles WHERE name IN ('cashier', 'chief_accountant'))")
    op.execute("DELETE FROM roles WHERE name IN ('cashier', 'chief_accountant')")
