"""`ecerp customs-sim`, `ecerp customs_exchange` and the companions `ecerp serve` starts beside gunicorn."""

import sys

import pytest

from ecerp import cli
from ecerp.core.management.commands.serve import customs_companions
from ecerp.customs import dxp
from ecerp.customs.exchange import CUSTOMS, ENTERPRISE
from ecerp.customs.exchange.folder import FolderTransport
from ecerp.customs.messages.build import build_message
from ecerp.customs.receipts.parse import parse_receipts
from ecerp.customs.signing import get_signer
from tests.customs import documents as docs


def test_serve_starts_the_exchange_loop_and_the_simulator_unless_switched_off():
    # given the default environment
    # then both companions, stopping with the server
    commands = customs_companions({})
    assert [command[3] for command in commands] == ["customs_exchange", "customs-sim"]
    assert all(command[:3] == [sys.executable, "-m", "ecerp.cli"] and "--stop-with-parent" in command
               for command in commands)
    assert commands[1][-2:] == ["--step-seconds", "2"]
    # when the simulator is switched off, or both
    # then only the exchange loop, or nothing
    assert [command[3] for command in customs_companions({"ECERP_CUSTOMS_SIM": "0"})] == ["customs_exchange"]
    assert customs_companions({"ECERP_CUSTOMS_SIM": "0", "ECERP_CUSTOMS_EXCHANGE": "0"}) == []
    assert customs_companions({"ECERP_CUSTOMS_SIM_STEP": "0.5"})[1][-1] == "0.5"


def test_ecerp_customs_sim_once_answers_what_waits_in_the_exchange_folder(tmp_path, settings, capsys, db):
    # given an order in the outbox of the configured exchange folder
    settings.ECERP_CUSTOMS_EXCHANGE_DIR = str(tmp_path / "exchange")
    settings.ECERP_CUSTOMS_TRANSPORT = "folder"
    message = get_signer().sign(build_message("CEB311", [docs.order_document()], docs.base_transfer()))
    FolderTransport(tmp_path / "exchange", role=ENTERPRISE).send(
        "CEB311.xml", dxp.wrap(message, message_type="CEB311", sender_id=docs.DXP_ID))
    # when `ecerp customs-sim --once` runs (the hyphenated name)
    cli.main(["customs-sim", "--once", "--seed", "3", "--store", str(tmp_path / "sim.sqlite3")])
    # then the order's receipts wait in the inbox
    received = FolderTransport(tmp_path / "exchange", role=ENTERPRISE).receive()
    assert [parse_receipts(dxp.unwrap(item.payload).message)[0].return_status for item in received] == [
        "2", "3", "120"]
    assert "customs simulator started" in capsys.readouterr().out


def test_ecerp_customs_exchange_runs_one_round(tmp_path, settings, capsys, db):
    # given a bare receipt in the inbox that matches no declaration
    settings.ECERP_CUSTOMS_EXCHANGE_DIR = str(tmp_path / "exchange")
    settings.ECERP_CUSTOMS_TRANSPORT = ""
    from ecerp.customs.receipts.build import build_receipt_message

    FolderTransport(tmp_path / "exchange", role=CUSTOMS).send("r.xml", build_receipt_message("CEB312", [{
        "ebp_code": docs.EBP_CODE, "ebc_code": docs.EBC_CODE, "order_no": "X1", "return_status": "120"}]))
    # when the exchange command runs once
    cli.main(["customs_exchange"])
    # then it was received (kept in the message log) and the inbox is empty
    assert "1 received" in capsys.readouterr().out
    assert FolderTransport(tmp_path / "exchange", role=ENTERPRISE).receive() == []


@pytest.mark.parametrize("arguments", [["help", "customs-sim"], ["customs-sim", "--help"]])
def test_the_hyphenated_name_reaches_the_command(arguments, capsys):
    # when the command is named with its hyphen
    try:
        cli.main(arguments)
    except SystemExit:  # --help exits after printing
        pass
    # then its own help is printed
    assert "--step-seconds" in capsys.readouterr().out
