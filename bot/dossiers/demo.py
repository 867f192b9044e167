"""About fifty made-up dossiers for trying the lookup: every status, procedures of the catalog,
dates around today. Loaded by the run command when the store is empty (`python -m bot dossiers
demo`). The names, phone numbers and CCCD numbers are invented."""
from __future__ import annotations

import datetime as dt
import random

from bot.catalog import Catalog
from bot.dossiers.model import STATUSES, Dossier, Step

AGENCY = "000.00.15.H30"  # the example agency identifier of procedures-notes.md §3
CENTRE = "Trung tâm Phục vụ hành chính công tỉnh"
PROCEDURES = ("hdv-noi-dia", "hdv-quoc-te", "hdv-cap-doi", "lu-hanh-noi-dia", "karaoke", "hang-luu-tru",
              "quang-cao-bang-ron", "bieu-dien-chap-thuan", "le-hoi-dang-ky", "diem-du-lich", "karaoke-dieu-chinh",
              "lu-hanh-noi-dia-cap-doi")
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô")
MIDDLE = ("Văn", "Thị", "Hữu", "Minh", "Ngọc", "Thanh", "Đức", "Thu", "Quốc", "Hoài")
GIVEN = ("An", "Bình", "Châu", "Dũng", "Giang", "Hà", "Hùng", "Hường", "Khánh", "Lan", "Long", "Mai", "Nam",
         "Nga", "Phúc", "Quân", "Sơn", "Tâm", "Thảo", "Trang", "Tuấn", "Việt", "Yến")


def _unit(field: str) -> str:
    if field.startswith("Du lịch"):
        return "Phòng Quản lý Du lịch"
    if field.startswith("Di sản"):
        return "Phòng Quản lý Di sản văn hóa"
    if field.startswith("Thể dục"):
        return "Phòng Quản lý Thể dục thể thao"
    return "Phòng Quản lý Văn hóa và Gia đình"


def demo_dossiers(catalog: Catalog, today: dt.date, count: int = 54, seed: int = 2026) -> list[Dossier]:
    rng = random.Random(seed)
    procedures = [catalog.get(p) for p in PROCEDURES if p in catalog] or list(catalog)[:10]
    per_day: dict[dt.date, int] = {}
    out: list[Dossier] = []
    for i in range(count):
        status = STATUSES[i % len(STATUSES)]
        p = procedures[i % len(procedures)]
        unit = _unit(p.field or "")
        length = rng.choice((10, 15, 20, 30))
        if status in ("moi_tiep_nhan",):
            received = today - dt.timedelta(days=rng.randint(0, 2))
        elif status in ("da_tra_ket_qua", "tu_choi", "da_rut"):
            received = today - dt.timedelta(days=rng.randint(length + 3, length + 60))
        elif status == "qua_han":
            received = today - dt.timedelta(days=length + rng.randint(1, 10))
        else:
            received = today - dt.timedelta(days=rng.randint(3, max(4, length - 2)))
        due = received + dt.timedelta(days=length)
        per_day[received] = per_day.get(received, 0) + 1
        code = f"{AGENCY}-{received:%y%m%d}-{per_day[received]:04d}"
        steps = [Step("Tiếp nhận hồ sơ", CENTRE, received, received)]
        current, current_unit = "Thẩm định hồ sơ", unit
        items: tuple[str, ...] = ()
        ready = None
        if status == "moi_tiep_nhan":
            current, current_unit = "Chuyển hồ sơ đến phòng chuyên môn", CENTRE
        elif status in ("dang_xu_ly", "qua_han", "tam_dung"):
            steps.append(Step("Phân công xử lý", unit, received + dt.timedelta(days=1), received + dt.timedelta(days=1)))
            if status == "tam_dung":
                current = "Chờ ý kiến của cơ quan phối hợp"
        elif status == "yeu_cau_bo_sung":
            current = "Chờ công dân bổ sung hồ sơ"
            docs = [d.name for d in (p.documents.items if p.documents else ())][1:] or ["Giấy tờ chứng minh đủ điều kiện"]
            items = tuple(f"{name} (bản đã nộp chưa hợp lệ)" for name in rng.sample(docs, k=min(2, len(docs))))
        elif status in ("co_ket_qua", "da_tra_ket_qua"):
            ready = min(due, received + dt.timedelta(days=length - rng.randint(0, 3)))
            steps += [Step("Thẩm định hồ sơ", unit, received + dt.timedelta(days=1), ready - dt.timedelta(days=2)),
                      Step("Lãnh đạo Sở phê duyệt", "Ban Giám đốc Sở", ready - dt.timedelta(days=2), ready)]
            current, current_unit = "Trả kết quả", CENTRE
        elif status in ("tu_choi", "da_rut"):
            current, current_unit = "Kết thúc", unit
        name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
        out.append(Dossier(
            code=code, procedure_id=p.id, applicant_name=name,
            applicant_phone="09" + "".join(rng.choice("0123456789") for _ in range(8)),
            applicant_id_number="0" + "".join(rng.choice("0123456789") for _ in range(11)),
            received_at=received, due_at=due, status=status, current_step=current, current_unit=current_unit,
            history=tuple(steps), supplement_items=items,
            supplement_requested_at=today - dt.timedelta(days=1) if items else None,
            return_method=rng.choice(("tai_trung_tam", "buu_chinh", "truc_tuyen")),
            result_ready_at=ready, updated_at=f"{today.isoformat()}T08:00:00+07:00",
        ))
    return out
