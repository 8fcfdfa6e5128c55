"""Coding-rule sequences under real parallel connections (PostgreSQL only).

Each worker thread has its own database connection and runs every call in its own
transaction, as concurrent requests would. A barrier makes the threads start together.
"""

import datetime
import threading

import pytest
from django.db import connections, transaction

from ecerp.core import services

THREADS = 8
PER_THREAD = 50

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def run_parallel(work, threads=THREADS):
    """Run work(index) in parallel threads; return their results, re-raise the first failure."""
    barrier = threading.Barrier(threads)
    results, failures = [None] * threads, []

    def runner(index):
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as error:  # noqa: B036 - reported to the main thread
            failures.append(error)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=runner, args=(index,)) for index in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    if failures:
        raise failures[0]
    return results


def numbers(codes, head):
    assert all(code.startswith(head) for code in codes)
    return sorted(int(code[len(head):]) for code in codes)


def test_parallel_next_code_hands_out_each_number_once():
    # given the product rule, already created (SKU + 6 digits)
    services.ensure_default_rules()

    # when 8 connections each ask for 50 codes, one transaction per code
    def work(_index):
        codes = []
        for _ in range(PER_THREAD):
            with transaction.atomic():
                codes.append(services.next_code(target="product"))
        return codes

    codes = [code for chunk in run_parallel(work) for code in chunk]
    # then all 400 are distinct and contiguous from 1
    assert len(set(codes)) == THREADS * PER_THREAD
    assert numbers(codes, "SKU") == list(range(1, THREADS * PER_THREAD + 1))


def test_parallel_batches_never_overlap():
    # given the location rule
    services.ensure_default_rules()

    # when 8 connections each take 10 batches of 5 codes
    def work(_index):
        codes = []
        for _ in range(PER_THREAD // 5):
            with transaction.atomic():
                batch = services.next_codes(target="location", count=5)
            # each batch is itself contiguous
            assert numbers(batch, "L") == list(range(numbers(batch, "L")[0], numbers(batch, "L")[0] + 5))
            codes.extend(batch)
        return codes

    codes = [code for chunk in run_parallel(work) for code in chunk]
    # then the 400 codes are distinct and contiguous
    assert numbers(codes, "L") == list(range(1, THREADS * PER_THREAD + 1))


def test_parallel_child_codes_under_one_parent():
    # given a 2-3 category rule, so that 400 children fit under one parent
    services.ensure_default_rules()
    services.update_coding_rule(user=None, target="category", segment_lengths="2-3")

    def work(_index):
        codes = []
        for _ in range(PER_THREAD):
            with transaction.atomic():
                codes.append(services.next_child_code(target="category", parent_code="07"))
        return codes

    codes = [code for chunk in run_parallel(work) for code in chunk]
    # then every child code under 07 is handed out once, 001..400
    assert numbers(codes, "07") == list(range(1, THREADS * PER_THREAD + 1))


def test_parallel_first_use_of_a_new_day():
    # given the sales-order rule and a day with no sequence row yet
    services.ensure_default_rules()
    day = datetime.date(2031, 2, 3)
    from ecerp.core.models import CodeSequence

    assert not CodeSequence.objects.filter(scope="20310203").exists()

    # when 8 connections start that day's sequence at the same moment
    def work(_index):
        codes = []
        for _ in range(PER_THREAD):
            with transaction.atomic():
                codes.append(services.next_code(target="sales_order", when=day))
        return codes

    codes = [code for chunk in run_parallel(work) for code in chunk]
    # then exactly one sequence row exists and no number was handed out twice
    assert CodeSequence.objects.filter(scope="20310203").count() == 1
    assert numbers(codes, "SO20310203") == list(range(1, THREADS * PER_THREAD + 1))


def test_parallel_first_use_of_a_rule_that_does_not_exist_yet():
    # given no coding rules at all (a fresh database before the first migrate signal)
    from ecerp.core.models import CodingRule

    CodingRule.objects.all().delete()

    # when 8 connections ask for the first purchase-order numbers together
    def work(_index):
        with transaction.atomic():
            return services.next_codes(target="purchase_order", count=3, when=datetime.date(2031, 2, 3))

    codes = [code for chunk in run_parallel(work) for code in chunk]
    # then one rule was created and the 24 numbers are distinct and contiguous
    assert CodingRule.objects.filter(target="purchase_order").count() == 1
    assert numbers(codes, "PO20310203") == list(range(1, THREADS * 3 + 1))


def test_parallel_manual_codes_and_generated_codes_do_not_collide():
    # given the product rule
    services.ensure_default_rules()

    # when half the threads give codes by hand (in the generated pattern) and half generate
    def work(index):
        codes = []
        for step in range(PER_THREAD):
            with transaction.atomic():
                if index % 2:
                    codes.append(services.next_code(target="product"))
                else:
                    services.check_code(target="product", code=f"SKU{100000 + index * 1000 + step:06d}")
        return codes

    generated = [code for chunk in run_parallel(work) for code in chunk]
    # then generated codes are distinct (manual codes only ever move the sequence forward)
    assert len(set(generated)) == len(generated) == (THREADS // 2) * PER_THREAD
    assert services.next_code(target="product") > max(generated)
