"""Product categories: a tree coded by the hierarchical rule (2-2-3: 01, 0103, 0103007)."""

import pytest

from ecerp.core.errors import DomainError
from ecerp.masterdata import services
from ecerp.masterdata.models import Category


def fields_of(error):
    return {detail.field: detail.code for detail in error.value.details}


def save(user, name, parent=None, **data):
    return services.save_category(user=user, data={"name": name, "parent": parent, **data})


@pytest.mark.django_db
def test_codes_are_generated_per_level(admin_user):
    # given a tree built with blank codes
    beauty = save(admin_user, "美妆个护")
    food = save(admin_user, "食品保健")
    skin = save(admin_user, "护肤", beauty)
    cream = save(admin_user, "面霜", skin)
    lotion = save(admin_user, "乳液", skin)
    formula = save(admin_user, "婴儿奶粉", food)
    # then codes follow 2-2-3 under each parent, with the level
    assert [(c.code, c.level) for c in (beauty, food, skin, cream, lotion, formula)] == [
        ("01", 1), ("02", 1), ("0101", 2), ("0101001", 3), ("0101002", 3), ("0201", 2)]
    # and a fourth level is refused
    with pytest.raises(DomainError) as error:
        save(admin_user, "太深", cream)
    assert error.value.code == "CODE_LEVEL_TOO_DEEP"


@pytest.mark.django_db
def test_given_codes_are_checked_against_the_parent(admin_user):
    # given a root 01
    beauty = save(admin_user, "美妆个护", code="01")
    # when a child is given a code not starting with 01, or of the wrong length
    for bad in ("0201", "011", "01001"):
        with pytest.raises(DomainError) as error:
            save(admin_user, "护肤", beauty, code=bad)
        assert fields_of(error) == {"code": "CODE_PARENT_MISMATCH"}, bad
    # then a right code is accepted and generation continues after it
    assert save(admin_user, "彩妆", beauty, code="0105").code == "0105"
    assert save(admin_user, "香水", beauty).code == "0106"


@pytest.mark.django_db
def test_duplicate_category_code_is_refused(admin_user):
    save(admin_user, "美妆", code="01")
    with pytest.raises(DomainError) as error:
        save(admin_user, "食品", code="01")
    assert fields_of(error) == {"code": "CODE_TAKEN"}


@pytest.mark.django_db
def test_moving_requires_a_new_code(admin_user):
    # given 护肤 under 美妆
    beauty, food = save(admin_user, "美妆"), save(admin_user, "食品")
    skin = save(admin_user, "护肤", beauty)
    # when it is moved under 食品 without a new code
    with pytest.raises(DomainError) as error:
        services.save_category(user=admin_user, instance=skin, data={"parent": food})
    # then the code field is named
    assert error.value.field == "code" and error.value.code == "CODE_PARENT_MISMATCH"
    # and with a blank code a new one is generated under the new parent
    moved = services.save_category(user=admin_user, instance=skin, data={"parent": food, "code": ""})
    assert (moved.code, moved.parent, moved.level) == ("0201", food, 2)


@pytest.mark.django_db
def test_moving_to_another_level_updates_the_level(admin_user):
    # given a root category 食品 and a root 美妆 with child 护肤
    beauty, food = save(admin_user, "美妆"), save(admin_user, "食品")
    skin = save(admin_user, "护肤", beauty)
    # when 食品 moves under 护肤 with a third-level code
    services.save_category(user=admin_user, instance=food, data={"parent": skin, "code": "0101009"})
    # then its stored level is 3
    food = Category.objects.get(pk=food.pk)
    assert (food.code, food.level) == ("0101009", 3)


@pytest.mark.django_db
def test_category_with_children_cannot_be_recoded_or_moved(admin_user):
    # given 美妆 > 护肤
    beauty, food = save(admin_user, "美妆"), save(admin_user, "食品")
    save(admin_user, "护肤", beauty)
    # when 美妆 would get another code or move below 食品
    for data in ({"code": "05"}, {"parent": food, "code": "0201"}):
        with pytest.raises(DomainError) as error:
            services.save_category(user=admin_user, instance=beauty, data=data)
        # then it is refused: the children's codes start with the old code
        assert error.value.field == "code"
    beauty.refresh_from_db()
    assert beauty.code == "01"
    # and a rename keeps working
    services.save_category(user=admin_user, instance=beauty, data={"name": "美妆个护", "code": "01"})


@pytest.mark.django_db
def test_category_cannot_be_its_own_parent(admin_user):
    # given a leaf category 护肤 (a category with children cannot move at all, see above)
    beauty = save(admin_user, "美妆")
    skin = save(admin_user, "护肤", beauty)
    # when it is put under itself
    with pytest.raises(DomainError) as error:
        services.save_category(user=admin_user, instance=skin, data={"parent": skin, "code": "0101001"})
    # then TREE_CYCLE names the parent
    assert fields_of(error) == {"parent": "TREE_CYCLE"}
