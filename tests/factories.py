"""Factories: small functions over the real services, so test data is made the way users make it."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User

from organizations.models import ApiKeyKind, Organization, Role
from organizations.services import IssuedKey, api_key_create, membership_set_role, product_upsert

_seq = itertools.count(1)


class UserFactory:
    @staticmethod
    def create(email: str | None = None, password: str = "pw-for-tests-1", **extra: Any) -> User:
        email = email or f"user{next(_seq)}@example.com"
        return get_user_model().objects.create_user(username=email, email=email, password=password, **extra)


class OrgFactory:
    @staticmethod
    def create(name: str | None = None, **fields: Any) -> Organization:
        n = next(_seq)
        name = name or f"Org {n}"
        return Organization.objects.create(slug=f"{name.lower().replace(' ', '-')}-{n}", name=name, **fields)

    @staticmethod
    def member(organization: Organization, role: str = Role.VIEWER, user: User | None = None) -> User:
        user = user or UserFactory.create()
        membership_set_role(organization=organization, user=user, role=role, actor=None)
        return user

    @staticmethod
    def with_catalog(organization: Organization) -> Organization:
        product_upsert(
            organization=organization,
            external_id="laptop-x1",
            name="Laptop X1",
            url_path="/products/laptop-x1",
            category="Laptops",
            price="1299.00",
        )
        product_upsert(
            organization=organization,
            external_id="phone-z5",
            name="Phone Z5",
            url_path="/products/phone-z5",
            category="Phones",
            price="799.00",
        )
        return organization


class KeyFactory:
    @staticmethod
    def create(organization: Organization, kind: str = ApiKeyKind.PUBLISHABLE, **options: Any) -> IssuedKey:
        return api_key_create(organization=organization, kind=kind, **options)
