"""The `nqsync` command line.

Heavy modules are imported inside commands, and help is plain text (`rich_markup_mode=None`:
no rich markdown or traceback modules), so `--help` stays fast.
"""

import json
import sys
from datetime import date
from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(
    name="nqsync",
    help="Đồng bộ báo cáo tiến độ Nghị quyết 57 của xã lên theodoinq và nq71.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

PrefectFlag = Annotated[
    bool,
    typer.Option(
        "--prefect",
        help="Chạy qua Prefect (flow nqsync-sync) cả khi chưa đặt PREFECT_API_URL: "
        "khởi động máy chủ Prefect tạm thời.",
    ),
]
SourceOption = Annotated[
    Path, typer.Option("--source", metavar="DIR", help="Thư mục báo cáo của các đơn vị.")
]
VerboseFlag = Annotated[
    bool, typer.Option("--verbose", help="In cả nhật ký chi tiết (JSON) ra màn hình.")
]


@app.command()
def catalogue(
    as_json: Annotated[bool, typer.Option("--json", help="In danh sách dạng JSON.")] = False,
) -> None:
    """Danh mục 44 chỉ tiêu của Kế hoạch (the plan's 44 targets)."""
    from models.catalogue import as_json_rows, targets

    if as_json:
        typer.echo(json.dumps(as_json_rows(), ensure_ascii=False, indent=2))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title="Danh mục chỉ tiêu năm 2026")
    for header in ("Mã", "Chỉ tiêu", "ĐVT", "Mục tiêu", "Hạn"):
        table.add_column(header)
    for t in targets():
        goal = "" if t.target_operator is None else f"{t.target_operator} {t.target_value:g}"
        table.add_row(t.code, t.title, t.unit or "", goal, t.deadline.strftime("%d/%m/%Y"))
    Console().print(table)


@app.command()
def validate(
    source: Annotated[Path, typer.Argument(help="Thư mục (hoặc tệp) báo cáo của các đơn vị.")],
    as_json: Annotated[bool, typer.Option("--json", help="In kết quả dạng JSON.")] = False,
) -> None:
    """Đọc và kiểm tra các tệp báo cáo của đơn vị (read and check the units' workbooks)."""
    from flows.workbook_commands import validate_command

    raise typer.Exit(validate_command(source, as_json=as_json))


@app.command()
def template(
    unit_code: Annotated[str, typer.Argument(help="Mã đơn vị, ví dụ VHXH.")],
    out: Annotated[Path | None, typer.Option("--out", help="Tệp Excel sẽ ghi.")] = None,
    assignments: Annotated[
        Path | None,
        typer.Option(
            "--assignments", help="Tệp phân công (6 rõ); mặc định NQSYNC_ASSIGNMENTS nếu có."
        ),
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Ghi đè tệp đã có.")] = False,
) -> None:
    """Tạo mẫu báo cáo Excel cho một đơn vị (write a unit's report workbook)."""
    from flows.workbook_commands import template_command

    if assignments is None:
        from models.settings import get_settings

        assignments = get_settings().assignments
    raise typer.Exit(template_command(unit_code, out, assignments, force=force))


@app.command("mock-servers")
def mock_servers(
    host: Annotated[str, typer.Option(help="Địa chỉ lắng nghe (chỉ loopback).")] = "127.0.0.1",
    theodoinq_port: Annotated[int, typer.Option(help="Cổng của theodoinq giả lập.")] = 8701,
    nq71_port: Annotated[int, typer.Option(help="Cổng của nq71 giả lập.")] = 8702,
    seed: Annotated[int, typer.Option(help="Hạt giống dữ liệu mẫu.")] = 0,
    token_ttl: Annotated[
        int | None, typer.Option(help="Thời hạn token (giây); mặc định theo từng hệ thống.")
    ] = None,
    latency_ms: Annotated[int, typer.Option(help="Độ trễ thêm cho mỗi yêu cầu (ms).")] = 0,
    rate: Annotated[float, typer.Option(help="theodoinq: số yêu cầu mỗi giây.")] = 10.0,
    burst: Annotated[int, typer.Option(help="theodoinq: số yêu cầu dồn tối đa.")] = 20,
    max_in_flight: Annotated[int, typer.Option(help="nq71: số yêu cầu đồng thời tối đa.")] = 4,
    data_dir: Annotated[
        Path | None, typer.Option(help="Thư mục lưu dữ liệu (mặc định: trong bộ nhớ).")
    ] = None,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Cho phép địa chỉ không phải loopback.")
    ] = False,
) -> None:
    """Chạy máy chủ giả lập theodoinq và nq71 (serve both mock servers on loopback)."""
    from mock_servers.serve import ServeOptions, serve_command

    options = ServeOptions(
        host=host,
        theodoinq_port=theodoinq_port,
        nq71_port=nq71_port,
        seed=seed,
        token_ttl=token_ttl,
        latency_ms=latency_ms,
        rate=rate,
        burst=burst,
        max_in_flight=max_in_flight,
        data_dir=data_dir,
        allow_remote=allow_remote,
    )
    raise typer.Exit(serve_command(options))


@app.command()
def sync(
    source: SourceOption,
    system: Annotated[
        str,
        typer.Option(
            "--system",
            metavar="all|both|theodoinq|nq71",
            help="theodoinq, nq71 hoặc all (cả hai; viết both cũng được).",
        ),
    ] = "all",
    period: Annotated[
        list[str] | None,
        typer.Option(
            "--period",
            metavar="YYYY-MM",
            help="Kỳ báo cáo YYYY-MM (lặp lại được); mặc định 2 tháng gần nhất.",
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Chạy thử: lập kế hoạch và báo cáo, không ghi.")
    ] = False,
    submit: Annotated[
        bool, typer.Option("--submit", help="Nộp báo cáo trên theodoinq sau khi đồng bộ.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="In báo cáo đối soát dạng JSON.")] = False,
    as_of: Annotated[
        str | None,
        typer.Option(
            "--as-of", metavar="YYYY-MM-DD", help="Ngày tính cảnh báo (mặc định hôm nay)."
        ),
    ] = None,
    prefect: PrefectFlag = False,
    verbose: VerboseFlag = False,
    plan_only: Annotated[
        bool,
        typer.Option("--plan-only", help="Chỉ lập kế hoạch (không ghi) và lưu vào tệp --out."),
    ] = False,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="PLAN.json", help="Tệp lưu kế hoạch để duyệt."),
    ] = None,
) -> None:
    """Đồng bộ một lần và in kết quả (chạy trực tiếp, hoặc qua Prefect khi có PREFECT_API_URL)."""
    from flows.commands import RunOptions, sync_command

    if plan_only != (out is not None):
        typer.echo("Lỗi: --plan-only và --out đi cùng nhau (ví dụ --plan-only --out ke-hoach.json)",
                   err=True)
        raise typer.Exit(2)
    day = _parse_day(as_of)
    options = RunOptions(
        source=source,
        system=system,
        periods=tuple(period or ()),
        dry_run=dry_run,
        submit=submit and not plan_only,
        as_of=day,
        prefect=prefect,
        verbose=verbose,
        plan_out=out,
    )
    raise typer.Exit(sync_command(options, as_json=as_json))


@app.command()
def apply(
    plan: Annotated[Path, typer.Argument(metavar="PLAN.json", help="Tệp kế hoạch đã duyệt.")],
    approver: Annotated[
        str, typer.Option("--approver", help="Họ tên người duyệt kế hoạch (ghi vào nhật ký).")
    ],
    as_json: Annotated[bool, typer.Option("--json", help="In báo cáo đối soát dạng JSON.")] = False,
    verbose: VerboseFlag = False,
) -> None:
    """Ghi đúng kế hoạch đã duyệt, không gì khác (chỉ tiêu đã đổi trên hệ thống: không ghi)."""
    from flows.commands import RunOptions, sync_command

    options = RunOptions(
        source=plan.parent, plan=plan, approver=approver.strip() or None, verbose=verbose
    )
    raise typer.Exit(sync_command(options, as_json=as_json))


def _parse_day(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(f"Lỗi: --as-of phải có dạng YYYY-MM-DD (ví dụ 2026-11-27), không phải '{text}'",
                   err=True)
        raise typer.Exit(2) from None


@app.command()
def serve(
    source: SourceOption,
) -> None:
    """Chạy lịch đồng bộ hằng đêm (serve the `nightly` deployment for the Prefect UI)."""
    from flows.commands import serve_command

    raise typer.Exit(serve_command(source))


@app.command()
def demo(
    workdir: Annotated[
        Path | None, typer.Option("--workdir", help="Thư mục chạy thử (mặc định ./nqsync-demo).")
    ] = None,
    prefect: PrefectFlag = False,
    verbose: VerboseFlag = False,
) -> None:
    """Chạy thử trọn vẹn trên máy chủ giả lập với dữ liệu mẫu (the demo sync)."""
    from flows.demo import demo_command

    raise typer.Exit(demo_command(workdir, prefect=prefect, verbose=verbose))


audit_app = typer.Typer(
    help="Nhật ký kiểm toán: kiểm tra chuỗi mã băm, xuất lịch sử ghi cho văn phòng hoặc thanh tra.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
app.add_typer(audit_app, name="audit")


def _audit_database_url() -> str:
    from flows.commands import check_settings
    from models.settings import get_settings

    problem = check_settings()
    if problem:
        typer.echo(f"Lỗi: {problem}", err=True)
        raise typer.Exit(2)
    return get_settings().database_url


@audit_app.command("verify")
def audit_verify() -> None:
    """Tính lại chuỗi mã băm của nhật ký kiểm toán, chỉ ra mục đầu tiên bị sửa, xóa hoặc thay."""
    from flows.audit import verify_command

    raise typer.Exit(verify_command(_audit_database_url()))


@audit_app.command("export")
def audit_export(
    period: Annotated[
        str | None,
        typer.Option("--period", metavar="YYYY-MM", help="Chỉ xuất kỳ báo cáo này, ví dụ 2026-11."),
    ] = None,
    target: Annotated[
        str | None,
        typer.Option("--target", metavar="CODE", help="Chỉ xuất chỉ tiêu này, ví dụ 1.5.17."),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", metavar="DIR", help="Thư mục ghi tệp; mặc định NQSYNC_REPORT_DIR."),
    ] = None,
) -> None:
    """Xuất lịch sử ghi (Excel và CSV, tiêu đề tiếng Việt) từ nhật ký kiểm toán."""
    from flows.audit import export_command
    from models.settings import get_settings

    database_url = _audit_database_url()
    out_dir = out if out is not None else get_settings().report_dir
    raise typer.Exit(export_command(database_url, out_dir, period=period, target=target))


def main() -> None:
    """Console-script entry point: settings errors and interrupts without a traceback."""
    try:
        app()
    except Exception as error:
        settings = sys.modules.get("models.settings")
        if settings is None or not isinstance(error, settings.SettingsError):
            raise
        typer.echo("Lỗi: cấu hình không hợp lệ:\n  " + "\n  ".join(error.problems), err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        sys.exit(130)
