"""Generated training variants: derived correctly and kept in sync with the sources."""
from bot.nlu_data import abbreviate, generate, variants
from bot.text import fold


def test_variants_are_unaccented_and_abbreviated():
    vs = variants("Hồ sơ cấp thẻ hướng dẫn viên gồm những gì")
    assert vs[0] == fold("hồ sơ cấp thẻ hướng dẫn viên gồm những gì")
    assert any("hdv" in v for v in vs)
    assert "hồ sơ cấp thẻ hướng dẫn viên gồm những gì" not in vs


def test_abbreviate_is_deterministic_and_word_bounded():
    assert abbreviate("không biết phí bao nhiêu") == abbreviate("không biết phí bao nhiêu")
    assert "hdv" in abbreviate("thẻ hướng dẫn viên")
    assert abbreviate("khô") == "khô"  # "k" only replaces the whole word "không"


def test_generated_files_are_up_to_date():
    assert generate(check=True) == [], "run `make nlu` (python -m bot nlu generate) and commit data/nlu/generated/"


def test_generate_writes_and_removes(tmp_path):
    (tmp_path / "a.yml").write_text('version: "3.1"\nnlu:\n- intent: ask_fee\n  examples: |\n    - phí bao nhiêu\n',
                                    encoding="utf-8")
    (tmp_path / "generated").mkdir()
    (tmp_path / "generated" / "old.yml").write_text("stale", encoding="utf-8")
    stale = generate(tmp_path)
    assert (tmp_path / "generated" / "a.yml").exists() and not (tmp_path / "generated" / "old.yml").exists()
    assert "- phi bao nhieu" in (tmp_path / "generated" / "a.yml").read_text(encoding="utf-8")
    assert generate(tmp_path, check=True) == [] and stale
