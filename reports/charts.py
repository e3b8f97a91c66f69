"""The report's charts, drawn with matplotlib once per snapshot build: SVG and PNG, with a table.

Colours are the Okabe–Ito palette (distinguishable with every common colour-vision deficiency);
each chart has a title, a one-line description and the table of its numbers as an alternative.
A chart whose picture would not change since the previous build is reused, not redrawn: its
table (the exact numbers) is always fresh, but bars without value labels are compared at a
resolution finer than a pixel, so a beat's few new comments redraw only the charts they visibly
change (drawing is most of a rebuild's time at 1M comments, docs/performance.md).
The eight charts stay in one module (over 300 lines): they share the palette, the axes style,
the SVG/PNG rendering and the reuse cache, and each chart function is short.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import math
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from comments.models import Category

from .formatting import integer

if TYPE_CHECKING:
    from matplotlib.figure import Figure

CATEGORIES = tuple(Category.values)
CATEGORY_COLOURS = {
    Category.PRAISE: "#009E73",  # bluish green
    Category.CRITICISM: "#D55E00",  # vermillion
    Category.SUGGESTION: "#0072B2",  # blue
    Category.QUESTION: "#E69F00",  # orange
    Category.SPAM: "#999999",  # grey
}
ACCENT = "#CC79A7"  # reddish purple
INK = "#1d2330"
GRID = "#e3e6ec"
# 6.4 in wide: drawn into a ~460 px card, 10 pt text stays ~13 px; the PNG is 800 px wide.
PNG_DPI = 125
# Flat fills and their anti-aliased edges fit a 64-colour palette: the PNG looks the same and is
# ~3.5x smaller than RGBA (the JSON API carries eight of them, in base64, on every request).
PNG_COLORS = 64
FIGSIZE = (6.4, 3.7)
# rc_context changes process-wide settings; builds are serialised by the build lock anyway.
_DRAW_LOCK = threading.Lock()


@dataclass(frozen=True)
class Table:
    columns: list[str]
    rows: list[list[Any]]


@dataclass(frozen=True)
class ChartSpec:
    key: str
    title: str
    description: str
    table: Table
    draw: Callable[[Figure], None]
    # What the drawing shows, when coarser than the table (see picture_of); default: the table.
    picture: Any = None


def charts_draw(payload: dict[str, Any], *, previous: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every chart of `payload` as stored in the snapshot; unchanged ones are reused."""
    reusable = {chart.get("chave"): chart for chart in previous}
    charts = []
    for spec in chart_specs(payload):
        digest = _digest(spec)
        table = {"colunas": spec.table.columns, "linhas": spec.table.rows}
        old = reusable.get(spec.key)
        if old and old.get("hash") == digest:
            charts.append({**old, "tabela": table})
            continue
        svg, png = _render(spec)
        charts.append(
            {
                "chave": spec.key,
                "titulo": spec.title,
                "descricao": spec.description,
                "tabela": table,
                "svg": svg,
                "png_base64": png,
                "hash": digest,
            }
        )
    return charts


def _digest(spec: ChartSpec) -> str:
    shown = spec.table.rows if spec.picture is None else spec.picture
    data = [spec.key, spec.title, spec.description, spec.table.columns, shown]
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()[:32]


def picture_of(labels: list[Any], series: list[list[float]]) -> list[Any]:
    """Bars without value labels as the eye sees them: the labels exact, each value rounded to
    a step under a pixel of a ~300 px tall plot (the largest / 300, floored to 1, 2 or 5 times
    a power of ten, so the step itself stays put as the numbers grow)."""
    largest = max((abs(v) for values in series for v in values), default=0)
    quantum = _nice_floor(largest / 300) if largest else 1.0
    return [labels, [[round(v / quantum) for v in values] for values in series]]


def _nice_floor(value: float) -> float:
    power = 10 ** math.floor(math.log10(value))
    return next(step * power for step in (5, 2, 1) if step * power <= value)


def _render(spec: ChartSpec) -> tuple[str, str]:
    # Imported here, not at module level: every web process loads this module (through the
    # reports app's receivers) but only the process building a snapshot draws.
    import matplotlib
    from matplotlib.figure import Figure

    with _DRAW_LOCK, matplotlib.rc_context(_style(spec.key)):
        # Fixed margins: matplotlib's automatic layouts cost ~100 ms per chart.
        figure = Figure(figsize=FIGSIZE)
        figure.subplots_adjust(left=0.11, right=0.98, top=0.82, bottom=0.22)
        spec.draw(figure)
        svg_buffer, png_buffer = io.StringIO(), io.BytesIO()
        figure.savefig(svg_buffer, format="svg", metadata={"Date": None})
        # The page titles the SVG with a heading; the PNG travels alone, so it carries its title.
        figure.suptitle(spec.title, x=0.02, y=0.98, ha="left", fontsize=13, fontweight="bold")
        figure.savefig(png_buffer, format="png", dpi=PNG_DPI, metadata={"Software": None},
                       pil_kwargs={"compress_level": 0})  # fmt: skip
    svg = _inline_svg(svg_buffer.getvalue(), spec.key, spec.title)
    return svg, base64.b64encode(_palette_png(png_buffer.getvalue())).decode("ascii")


def _palette_png(rgba_png: bytes) -> bytes:
    """The same picture as a PNG of PNG_COLORS palette entries (RGBA is quantised as is)."""
    from PIL import Image

    image = Image.open(io.BytesIO(rgba_png))
    palette = image.quantize(colors=PNG_COLORS, method=Image.Quantize.FASTOCTREE)
    compact = io.BytesIO()
    palette.save(compact, format="PNG", compress_level=6)
    return compact.getvalue()


def _style(key: str) -> Any:  # matplotlib types rc keys as a Literal of every name
    return {
        "svg.fonttype": "none",  # text stays text: smaller, selectable, page fonts
        "svg.hashsalt": key,  # stable ids, different per chart
        "font.family": ["DejaVu Sans"],
        "font.size": 10,
        "axes.edgecolor": GRID,
        "axes.labelcolor": INK,
        "axes.titlesize": 12,
        "axes.titleweight": "bold",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "axes.axisbelow": True,
        "grid.color": GRID,
        "xtick.color": INK,
        "ytick.color": INK,
        "text.color": INK,
        "legend.frameon": False,
    }


_ID_RE = re.compile(r'id="([^"]+)"')


def _inline_svg(svg: str, key: str, title: str) -> str:
    """An <svg> fit for inlining: no XML prolog, ids prefixed (several charts share a page),
    size from CSS (the viewBox keeps the proportions)."""
    svg = svg[svg.index("<svg") :]
    for element_id in set(_ID_RE.findall(svg)):
        new_id = f"{key}-{element_id}"
        svg = svg.replace(f'id="{element_id}"', f'id="{new_id}"')
        svg = svg.replace(f"url(#{element_id})", f"url(#{new_id})")
        svg = svg.replace(f'href="#{element_id}"', f'href="#{new_id}"')
    svg = re.sub(r'\s(width|height)="[^"]+pt"', "", svg, count=2)
    svg = svg.replace("<svg ", '<svg role="img" focusable="false" ', 1)
    opening_end = svg.index(">") + 1
    return f"{svg[:opening_end]}<title>{escape(title)}</title>{svg[opening_end:]}"


# --- the charts --------------------------------------------------------------------------------


def _legend_above(axes: Any) -> None:
    axes.legend(ncols=5, loc="lower center", bbox_to_anchor=(0.5, 1.0), handlelength=1.2)


def _label(category: str) -> str:
    return str(Category(category).label)


def _percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%".replace(".", ",")


def _decimal(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f}".replace(".", ",")


def _ordered(payload: dict[str, Any]) -> dict[str, Any]:
    """`payload` with its per-category mappings back in the categories' order (jsonb sorts
    keys, and the legends, stacks and tables follow the mapping's order)."""

    def by_category(mapping: dict[str, Any]) -> dict[str, Any]:
        return {category: mapping[category] for category in CATEGORIES if category in mapping}

    distribution = payload["distribuicao_confianca"]
    return {
        **payload,
        "por_categoria": by_category(payload["por_categoria"]),
        "confianca_media": by_category(payload["confianca_media"]),
        "volume_diario": {**payload["volume_diario"],
                          "series": by_category(payload["volume_diario"]["series"])},
        "volume_semanal": {**payload["volume_semanal"],
                           "series": by_category(payload["volume_semanal"]["series"])},
        "distribuicao_confianca": {**distribution,
                                   "por_categoria": by_category(distribution["por_categoria"])},
    }  # fmt: skip


def chart_specs(payload: dict[str, Any]) -> list[ChartSpec]:
    payload = _ordered(payload)
    return [
        _categories(payload),
        _daily(payload),
        _hot_tags(payload),
        _confidence_praise_criticism(payload),
        _praise_criticism_share(payload),
        _mean_confidence(payload),
        _weekly(payload),
        _rising(payload),
    ]


def _categories(payload: dict[str, Any]) -> ChartSpec:
    counts = payload["por_categoria"]
    total = sum(counts.values())

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        labels = [_label(c) for c in counts]
        bars = axes.bar(labels, counts.values(), color=[CATEGORY_COLOURS[c] for c in counts])
        axes.bar_label(bars, labels=[integer(n) for n in counts.values()], padding=2)
        axes.set_ylabel(_("comentários"))
        axes.grid(axis="x", visible=False)

    rows = [[_label(c), n, _percent(n / total if total else None)] for c, n in counts.items()]
    return ChartSpec(
        "categorias",
        _("Distribuição por categoria"),
        _("Quantos comentários classificados há em cada categoria, desde o início."),
        Table([_("Categoria"), _("Comentários"), _("Parcela")], rows),
        draw,
    )


def _daily(payload: dict[str, Any]) -> ChartSpec:
    daily = payload["volume_diario"]
    days = [f"{d[8:10]}/{d[5:7]}" for d in daily["dias"]]

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        bottom = [0] * len(days)
        for category, values in daily["series"].items():
            axes.bar(
                days,
                values,
                bottom=bottom,
                label=_label(category),
                color=CATEGORY_COLOURS[category],
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        axes.set_ylabel(_("comentários por dia"))
        axes.tick_params(axis="x", labelrotation=45)
        axes.grid(axis="x", visible=False)
        _legend_above(axes)

    columns = [_("Dia"), *[_label(c) for c in daily["series"]], _("Total")]
    rows = [
        [
            day,
            *(values[i] for values in daily["series"].values()),
            sum(values[i] for values in daily["series"].values()),
        ]
        for i, day in enumerate(days)
    ]
    return ChartSpec(
        "volume_diario",
        _("Volume diário (14 dias)"),
        _("Comentários recebidos por dia nos últimos 14 dias, empilhados por categoria."),
        Table(columns, rows),
        draw,
        picture_of(days, list(daily["series"].values())),
    )


def _horizontal_bars(
    figure: Figure, labels: list[str], values: list[float], colour: str, value_labels: list[str]
) -> None:
    axes = figure.subplots()
    if not labels:
        axes.text(
            0.5,
            0.5,
            _("Sem dados no período"),
            ha="center",
            va="center",
            transform=axes.transAxes,
            fontsize=12,
        )
        axes.set_axis_off()
        return
    figure.subplots_adjust(left=0.26)  # room for the tag codes
    positions = list(range(len(labels)))
    bars = axes.barh(positions, values, height=0.65, color=colour)
    axes.set_yticks(positions, labels)
    # At least 6 rows tall, so one tag is a bar, not a wall; the first (largest) on top.
    axes.set_ylim(max(len(labels), 6) - 0.5, -0.5)
    axes.bar_label(bars, labels=value_labels, padding=3)
    axes.grid(axis="y", visible=False)
    axes.margins(x=0.3)


def _hot_tags(payload: dict[str, Any]) -> ChartSpec:
    tags = payload["tags_48h"]

    def draw(figure: Figure) -> None:
        counts = [t["comentarios"] for t in tags]
        _horizontal_bars(
            figure, [t["codigo"] for t in tags], counts, "#0072B2", [integer(n) for n in counts]
        )

    return ChartSpec(
        "tags_48h",
        _("Assuntos do momento (últimas 48 h)"),
        _("As tags mais citadas nos comentários das últimas 48 horas."),
        Table([_("Tag"), _("Comentários")], [[t["codigo"], t["comentarios"]] for t in tags]),
        draw,
    )


def _confidence_praise_criticism(payload: dict[str, Any]) -> ChartSpec:
    distribution = payload["distribuicao_confianca"]
    buckets = distribution["faixas"]
    pair = (Category.PRAISE, Category.CRITICISM)

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        width = 0.4
        for offset, category in enumerate(pair):
            xs = [i + (offset - 0.5) * width for i in range(len(buckets))]
            axes.bar(
                xs,
                distribution["por_categoria"][category],
                width=width,
                label=_label(category),
                color=CATEGORY_COLOURS[category],
                hatch="" if offset == 0 else "//",
                edgecolor="white",
            )
        axes.set_xticks(range(len(buckets)), buckets, rotation=30)
        axes.set_xlabel(_("confiança do classificador"))
        axes.set_ylabel(_("comentários"))
        axes.grid(axis="x", visible=False)
        _legend_above(axes)

    rows = [
        [
            bucket,
            distribution["por_categoria"][pair[0]][i],
            distribution["por_categoria"][pair[1]][i],
        ]
        for i, bucket in enumerate(buckets)
    ]
    return ChartSpec(
        "confianca_elogio_critica",
        _("Confiança: elogios × críticas"),
        _("Quantos elogios e críticas foram classificados em cada faixa de confiança."),
        Table([_("Faixa de confiança"), _label(pair[0]), _label(pair[1])], rows),
        draw,
        picture_of(buckets, [distribution["por_categoria"][category] for category in pair]),
    )


def _praise_criticism_share(payload: dict[str, Any]) -> ChartSpec:
    trend = payload["elogio_critica"]["tendencia"]
    weeks = [week["semana"] for week in trend]

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        praise = [
            (w["parcela_elogio"] or 0) * 100 if w["parcela_elogio"] is not None else 0
            for w in trend
        ]
        criticism = [
            100 - p if w["parcela_elogio"] is not None else 0
            for p, w in zip(praise, trend, strict=True)
        ]
        axes.bar(
            weeks, praise, label=_label(Category.PRAISE), color=CATEGORY_COLOURS[Category.PRAISE]
        )
        axes.bar(
            weeks,
            criticism,
            bottom=praise,
            label=_label(Category.CRITICISM),
            color=CATEGORY_COLOURS[Category.CRITICISM],
            hatch="//",
            edgecolor="white",
        )
        axes.axhline(50, color=INK, linewidth=0.8, linestyle=":")
        axes.set_ylim(0, 100)
        axes.set_ylabel(_("% de elogios e críticas"))
        axes.tick_params(axis="x", labelrotation=30)
        axes.grid(axis="x", visible=False)
        _legend_above(axes)

    rows = [
        [w["semana"], w["elogios"], w["criticas"], _percent(w["parcela_elogio"])] for w in trend
    ]
    shares = [None if w["parcela_elogio"] is None else w["parcela_elogio"] * 100 for w in trend]
    return ChartSpec(
        "elogio_vs_critica",
        _("Elogios × críticas por semana"),
        _("Parcela de elogios e de críticas entre os dois, em cada uma das últimas 8 semanas."),
        Table([_("Semana"), _("Elogios"), _("Críticas"), _("Parcela de elogios")], rows),
        draw,
        # A week without either draws no bar: kept apart from a share of 0 %.
        [picture_of(weeks, [[share or 0 for share in shares]]), [s is None for s in shares]],
    )


def _mean_confidence(payload: dict[str, Any]) -> ChartSpec:
    means = payload["confianca_media"]

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        labels = [_label(c) for c in means]
        values = [v or 0 for v in means.values()]
        bars = axes.bar(labels, values, color=[CATEGORY_COLOURS[c] for c in means])
        axes.bar_label(bars, labels=[_decimal(v) for v in means.values()], padding=2)
        axes.set_ylim(0, 1.05)
        axes.set_ylabel(_("confiança média (0 a 1)"))
        axes.grid(axis="x", visible=False)

    return ChartSpec(
        "confianca_media",
        _("Confiança média por categoria"),
        _("A confiança média do classificador nos comentários de cada categoria."),
        Table(
            [_("Categoria"), _("Confiança média")],
            [[_label(c), _decimal(v)] for c, v in means.items()],
        ),
        draw,
    )


def _weekly(payload: dict[str, Any]) -> ChartSpec:
    weekly = payload["volume_semanal"]
    weeks = weekly["semanas"]

    def draw(figure: Figure) -> None:
        axes = figure.subplots()
        width = 0.8 / len(weekly["series"])
        for offset, (category, values) in enumerate(weekly["series"].items()):
            xs = [i + (offset - 2) * width for i in range(len(weeks))]
            axes.bar(
                xs, values, width=width, label=_label(category), color=CATEGORY_COLOURS[category]
            )
        axes.set_xticks(range(len(weeks)), weeks, rotation=30)
        axes.set_ylabel(_("comentários por semana"))
        axes.grid(axis="x", visible=False)
        _legend_above(axes)

    columns = [_("Semana"), *[_label(c) for c in weekly["series"]]]
    rows = [
        [week, *(values[i] for values in weekly["series"].values())] for i, week in enumerate(weeks)
    ]
    return ChartSpec(
        "volume_semanal",
        _("Volume semanal por categoria (8 semanas)"),
        _("Comentários recebidos em cada semana (segunda a domingo), por categoria."),
        Table(columns, rows),
        draw,
        picture_of(weeks, list(weekly["series"].values())),
    )


def _rising(payload: dict[str, Any]) -> ChartSpec:
    tags = payload["tags_em_alta"]

    def growth_label(tag: dict[str, Any]) -> str:
        if tag["variacao"] is None:
            return _("nova")
        return "+" + _percent(tag["variacao"])

    def draw(figure: Figure) -> None:
        counts = [t["ultimos_7_dias"] for t in tags]
        _horizontal_bars(
            figure,
            [t["codigo"] for t in tags],
            counts,
            ACCENT,
            [f"{integer(n)} ({growth_label(t)})" for n, t in zip(counts, tags, strict=True)],
        )

    rows = [
        [t["codigo"], t["ultimos_7_dias"], _decimal(t["media_semanas_anteriores"]), growth_label(t)]
        for t in tags
    ]
    return ChartSpec(
        "tags_em_alta",
        _("Tags em alta"),
        _("Tags dos últimos 7 dias que mais cresceram sobre a média das 4 semanas anteriores."),
        Table([_("Tag"), _("Últimos 7 dias"), _("Média anterior"), _("Variação")], rows),
        draw,
    )
