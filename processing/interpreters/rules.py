"""The rules interpreter: behaviour analysis, intent, next action and a plain-English summary.

The default without an LLM and the LLM's fallback, so it must stand on its own. The rules are
documented, with their thresholds, in docs/interpretation.md; keep the two in step."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

from processing.domain import FrustrationSignal, Interpretation, KeyMoment, SessionContext, TimelineEvent
from processing.models import Intent, confidence_label

ADD_TO_CART = re.compile(
    r"add[\s_-]*(?:item[\s_-]*)?to[\s_-]*(?:cart|bag|basket)|addtocart|cart[\s_-]*add|buy[\s_-]*now"
)
REMOVE_FROM_CART = re.compile(r"remove[\s_-]*(?:item[\s_-]*)?(?:from[\s_-]*)?(?:cart|bag|basket)|cart[\s_-]*remove")
CHECKOUT_CLICK = re.compile(r"check[\s_-]*out|proceed[\s_-]*to[\s_-]*payment|place[\s_-]*order|begin[\s_-]*checkout")
CART_PATH = re.compile(r"/(?:cart|basket|bag)(?:/|$)", re.I)
CHECKOUT_PATH = re.compile(r"/checkout(?:/|$)|/payment(?:/|$)", re.I)
PURCHASE_PATH = re.compile(
    r"/(?:order[-_]?confirm(?:ation|ed)?|thank[-_]?you|thanks|order[-_]?complete|checkout/(?:success|complete|done|"
    r"confirmation)|receipt|order[-_]?success)(?:/|$)",
    re.I,
)
SUPPORT_PATH = re.compile(
    r"/(?:help|support|contact(?:-us)?|faqs?|returns?|refunds?|warranty|order[-_]?status|track(?:[-_]?order)?|"
    r"shipping(?:[-_]info)?|customer[-_]?service|account/orders)(?:/|$)",
    re.I,
)
SUPPORT_CLICK = re.compile(r"live[\s_-]*chat|chat[\s_-]*with|contact[\s_-]*(?:us|support)|open[\s_-]*chat|support")
COMPARE = re.compile(r"compar", re.I)
RESEARCH_PATH = re.compile(r"/(?:blog|guides?|reviews?|articles?|learn|specs?|buying[-_]guide|news)(?:/|$)", re.I)
RESEARCH_CLICK = re.compile(r"reviews?|specs?|specifications|details|size[\s_-]*guide|read[\s_-]*more|faq")
SEARCH_PATH = re.compile(r"/search(?:/|$)", re.I)
SEARCH_PARAMS = ("q", "query", "search", "s", "term", "keywords")
PURCHASE_NAMES = {"purchase", "order_completed", "checkout_completed", "order_placed", "transaction", "purchased"}
CART_ADD_NAMES = {"add_to_cart", "cart_add", "added_to_cart", "addtocart"}
CART_REMOVE_NAMES = {"remove_from_cart", "cart_remove"}
CHECKOUT_NAMES = {"checkout", "checkout_started", "begin_checkout", "start_checkout"}
SUPPORT_NAMES = {"chat_open", "contact", "support_ticket", "contact_submitted", "help_request"}
SEARCH_NAMES = {"search", "site_search"}

LONG_DWELL_SECONDS = 30.0
DEEP_SCROLL = 75.0
SLOW_LOAD_MS = 3000.0
RAGE_BURST = 3
RAGE_WINDOW_SECONDS = 2.0
LEFT_FUNNEL_PAGES = 2


@dataclass
class Milestone:
    kind: str
    index: int
    text: str
    product: str | None = None
    indexes: list[int] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@dataclass
class Analysis:
    impressions: int = 0  # product cards seen in passing on list pages
    product_order: list[str] = field(default_factory=list)
    dwell: dict[str, float] = field(default_factory=dict)
    product_sequence: list[str] = field(default_factory=list)
    cart_adds: list[TimelineEvent] = field(default_factory=list)
    cart_products: list[str] = field(default_factory=list)
    cart_removes: list[TimelineEvent] = field(default_factory=list)
    cart_views: list[TimelineEvent] = field(default_factory=list)
    checkouts: list[TimelineEvent] = field(default_factory=list)
    purchases: list[TimelineEvent] = field(default_factory=list)
    searches: list[tuple[TimelineEvent, str]] = field(default_factory=list)
    support: list[TimelineEvent] = field(default_factory=list)
    support_topics: list[str] = field(default_factory=list)
    contact_submits: list[TimelineEvent] = field(default_factory=list)
    compares: list[TimelineEvent] = field(default_factory=list)
    research: list[TimelineEvent] = field(default_factory=list)
    deep_scrolls: list[TimelineEvent] = field(default_factory=list)
    form_errors: list[TimelineEvent] = field(default_factory=list)
    abandoned_forms: list[tuple[TimelineEvent, str]] = field(default_factory=list)
    rage: list[TimelineEvent] = field(default_factory=list)
    dead: list[TimelineEvent] = field(default_factory=list)
    slow: list[tuple[TimelineEvent, str]] = field(default_factory=list)
    poor_vitals: list[tuple[TimelineEvent, str]] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    left_funnel_pages: int = 0


def _words(event: TimelineEvent) -> str:
    return f"{event.element_words} {(event.name or '').lower()}"


def _search_term(event: TimelineEvent) -> str | None:
    if event.type == "custom" and (event.name or "").lower() in SEARCH_NAMES:
        return str(event.props.get("query") or event.props.get("term") or "").strip() or "something"
    if event.type == "page_view" and event.url_query:
        params = parse_qs(event.url_query.lstrip("?"))
        for key in SEARCH_PARAMS:
            if params.get(key) and params[key][0].strip():
                return params[key][0].strip()[:80]
    if event.type == "page_view" and event.url_path and SEARCH_PATH.search(event.url_path):
        return "something"
    if event.type == "form_submit" and "search" in event.element_words:
        return str(event.props.get("query") or "").strip() or "something"
    return None


def _form_key(event: TimelineEvent) -> str:
    el = event.element or {}
    for key in ("id", "name", "selector"):
        value = el.get(key)
        if isinstance(value, str) and value:
            # A field's selector names its form first ("#checkout-form input[name=card]").
            return value.split(" ")[0] if key == "selector" else value
    return event.url_path or "form"


def _form_label(event: TimelineEvent) -> str:
    path = event.url_path or ""
    if CHECKOUT_PATH.search(path):
        return "checkout form"
    if SUPPORT_PATH.search(path):
        return "contact form"
    words = event.element_words
    for name in ("signup", "sign-up", "register", "login", "newsletter", "contact", "checkout", "payment"):
        if name in words:
            return f"{name.replace('-', '')} form"
    return "a form"


def analyse(context: SessionContext, events: list[TimelineEvent]) -> Analysis:
    a = Analysis()
    page_starts: list[TimelineEvent] = [e for e in events if e.type == "page_view"]
    next_page_time = {}
    for i, page in enumerate(page_starts):
        following = page_starts[i + 1].timestamp if i + 1 < len(page_starts) else events[-1].timestamp
        next_page_time[page.index] = max((following - page.timestamp).total_seconds(), 0.0)

    form_focus: dict[str, TimelineEvent] = {}
    form_submitted: set[str] = set()
    submitted_paths: set[str] = set()
    recent_clicks: list[TimelineEvent] = []
    last_rage_index = -10
    impressions = set(context.impressions)
    for event in events:
        product = context.event_products.get(event.index)
        words = _words(event)
        path = event.url_path or ""
        name = (event.name or "").lower()
        if event.index in impressions:
            a.impressions += 1
        elif event.type in ("page_view", "product_view") and product:
            if product not in a.product_order:
                a.product_order.append(product)
            if not a.product_sequence or a.product_sequence[-1] != product:
                a.product_sequence.append(product)
            if event.type == "product_view" and event.props.get("duration_ms") is not None:
                dwell = float(event.props["duration_ms"]) / 1000
            else:
                dwell = next_page_time.get(event.index, 0.0)
            a.dwell[product] = max(a.dwell.get(product, 0.0), dwell)
            if event.type == "product_view" and float(event.props.get("scroll_depth") or 0) >= DEEP_SCROLL:
                a.deep_scrolls.append(event)
        term = _search_term(event)
        if term is not None:
            a.searches.append((event, term))
        if event.type in ("click", "custom"):
            if ADD_TO_CART.search(words) or name in CART_ADD_NAMES:
                a.cart_adds.append(event)
                named = context.product(str(event.props.get("name") or "")) if event.type == "custom" else None
                added = product or (named.name if named else None)
                if added and added not in a.cart_products:
                    a.cart_products.append(added)
            elif REMOVE_FROM_CART.search(words) or name in CART_REMOVE_NAMES:
                a.cart_removes.append(event)
            elif CHECKOUT_CLICK.search(words) or name in CHECKOUT_NAMES:
                a.checkouts.append(event)
            elif name in PURCHASE_NAMES:
                a.purchases.append(event)
            elif SUPPORT_CLICK.search(words) or name in SUPPORT_NAMES:
                a.support.append(event)
            elif COMPARE.search(words):
                a.compares.append(event)
            elif RESEARCH_CLICK.search(words):
                a.research.append(event)
        if event.type == "page_view":
            if PURCHASE_PATH.search(path):
                a.purchases.append(event)
            elif CHECKOUT_PATH.search(path):
                a.checkouts.append(event)
            elif CART_PATH.search(path):
                a.cart_views.append(event)
            elif SUPPORT_PATH.search(path):
                a.support.append(event)
                topic = path.strip("/").split("/")[-1].replace("-", " ").replace("_", " ")
                if topic and topic not in a.support_topics:
                    a.support_topics.append(topic)
            elif COMPARE.search(path):
                a.compares.append(event)
            elif RESEARCH_PATH.search(path):
                a.research.append(event)
        if (
            event.type == "scroll"
            and float(event.props.get("depth") or event.props.get("scroll_depth") or 0) >= DEEP_SCROLL
        ):
            a.deep_scrolls.append(event)
        if event.type == "form_focus":
            form_focus.setdefault(_form_key(event), event)
        elif event.type == "form_submit":
            form_submitted.add(_form_key(event))
            submitted_paths.add(path)
            if SUPPORT_PATH.search(path) or "contact" in words or "support" in words:
                a.contact_submits.append(event)
            if PURCHASE_PATH.search(path) or "place order" in words or "place_order" in words:
                a.purchases.append(event)
        elif event.type == "form_error":
            a.form_errors.append(event)
        elif event.type == "click":
            if event.props.get("rage"):
                a.rage.append(event)
            if event.props.get("dead"):
                a.dead.append(event)
            recent_clicks = [
                c
                for c in recent_clicks
                if (event.timestamp - c.timestamp).total_seconds() <= RAGE_WINDOW_SECONDS
                and c.element_label == event.element_label
            ] + [event]
            if len(recent_clicks) >= RAGE_BURST and not event.props.get("rage") and event.index - last_rage_index > 1:
                a.rage.append(event)
                last_rage_index = event.index
                recent_clicks = []
        elif event.type == "performance":
            load = event.props.get("load_ms")
            if isinstance(load, int | float) and load >= SLOW_LOAD_MS:
                a.slow.append((event, f"{path or 'a page'} loaded in {load / 1000:.1f} s"))
        elif event.type == "web_vital":
            # The SDK may report CLS/INP again at the final pagehide: only the latest value per metric
            # and page counts, so one bad page is one finding (and an improved value clears it).
            metric = event.props.get("name", "web vital")
            a.poor_vitals = [
                (e, t)
                for e, t in a.poor_vitals
                if (e.props.get("name", "web vital"), e.url_path) != (metric, event.url_path)
            ]
            if str(event.props.get("rating") or "").lower() == "poor":
                a.poor_vitals.append((event, f"poor {metric} on {path or 'a page'}"))
    for key, focus in form_focus.items():
        if key not in form_submitted and (focus.url_path or "") not in submitted_paths:
            a.abandoned_forms.append((focus, _form_label(focus)))

    funnel = a.cart_adds + a.checkouts + a.cart_views
    if funnel and not a.purchases:
        last_funnel = max(e.index for e in funnel)
        a.left_funnel_pages = sum(
            1
            for e in events[last_funnel + 1 :]
            if e.type == "page_view"
            and not CART_PATH.search(e.url_path or "")
            and not CHECKOUT_PATH.search(e.url_path or "")
        )
    a.milestones = _milestones(context, events, a)
    return a


def _milestones(context: SessionContext, events: list[TimelineEvent], a: Analysis) -> list[Milestone]:
    found: list[Milestone] = []
    seen_products: set[str] = set()
    for event in events:
        product = context.event_products.get(event.index)
        if event.index in context.impressions:
            continue
        if event.type in ("page_view", "product_view") and product and product not in seen_products:
            seen_products.add(product)
            found.append(Milestone("product", event.index, f"Viewed {product} product page", product))
    for event, term in a.searches:
        label = "searched the site" if term == "something" else f'searched for "{term}"'
        found.append(Milestone("search", event.index, label[0].upper() + label[1:]))
    for event in a.cart_adds:
        found.append(Milestone("cart_add", event.index, "Added item to cart", context.event_products.get(event.index)))
    for event in a.cart_removes:
        found.append(Milestone("cart_remove", event.index, "Removed an item from the cart"))
    if a.checkouts:
        found.append(Milestone("checkout", a.checkouts[0].index, "Proceeded to checkout"))
    elif a.cart_views:
        found.append(Milestone("cart_view", a.cart_views[0].index, "Viewed the cart"))
    if a.purchases:
        found.append(Milestone("purchase", a.purchases[0].index, "Completed the purchase"))
    if a.support:
        found.append(Milestone("support", a.support[0].index, "Visited the help pages"))
    for event in a.contact_submits:
        found.append(Milestone("contact", event.index, "Submitted the contact form"))
    if a.compares:
        found.append(Milestone("compare", a.compares[0].index, "Opened the product comparison"))
    if a.research and not a.compares:
        found.append(Milestone("research", a.research[0].index, "Read reviews and details"))
    for event, label in a.abandoned_forms:
        found.append(
            Milestone("form_abandoned", event.index, f"Started the {label.removeprefix('a ')} but did not submit it")
        )
    found.sort(key=lambda m: m.index)
    # Consecutive milestones of one kind read as one clause ("viewed A and B product pages").
    merged: list[Milestone] = []
    for m in found:
        if merged and merged[-1].kind == m.kind and m.kind in ("product", "cart_add", "search"):
            merged[-1].indexes.append(m.index)
            if m.text not in merged[-1].texts:
                merged[-1].texts.append(m.text)
            continue
        m.texts = [m.text]
        m.indexes = [m.index]
        merged.append(m)
    return merged


def _join(items: Iterable[str]) -> str:
    parts = list(items)
    if len(parts) <= 1:
        return "".join(parts)
    if len(parts) == 2:
        return f"{parts[0]} and {parts[1]}"
    return ", ".join(parts[:-1]) + ", and " + parts[-1]


def _clause(m: Milestone, context: SessionContext, events: list[TimelineEvent]) -> str:
    if m.kind == "product":
        names = [context.event_products[i] for i in m.indexes]
        return f"viewed {_join(names)} product page" + ("s" if len(names) > 1 else "")
    if m.kind == "cart_add":
        return "added item to cart" if len(m.indexes) == 1 else f"added {len(m.indexes)} items to cart"
    if m.kind == "search":
        terms = [t.removeprefix("Searched for ") for t in m.texts if t.startswith("Searched for ")]
        return f"searched for {_join(terms)}" if terms else "searched the site"
    return m.text[0].lower() + m.text[1:]


def _decide(a: Analysis) -> tuple[str, float, list[str]]:
    """The intent, its confidence, and the reasons an abandonment was called."""
    funnel = bool(a.cart_adds or a.checkouts)
    if a.purchases:
        return Intent.PURCHASED, 0.95 if (a.checkouts or a.cart_adds) else 0.85, []
    reasons: list[str] = []
    if funnel:
        last_add = max((e.index for e in a.cart_adds), default=-1)
        if a.cart_removes and max(e.index for e in a.cart_removes) > last_add:
            reasons.append("removing it from the cart")
        checkout_forms = [label for _, label in a.abandoned_forms if label == "checkout form"]
        if checkout_forms:
            reasons.append("leaving the checkout form unfinished")
        if a.checkouts and any(e.index > a.checkouts[0].index for e in a.form_errors):
            reasons.append("checkout errors")
        if a.left_funnel_pages >= LEFT_FUNNEL_PAGES:
            reasons.append("navigating away from the cart")
        if reasons:
            return Intent.ABANDONED, min(0.75 + 0.05 * len(reasons), 0.9), reasons
        if a.checkouts:
            return Intent.PURCHASING, 0.9 if a.cart_adds else 0.8, []
        return Intent.PURCHASING, 0.65, []
    if a.contact_submits or len(a.support) >= 2:
        return Intent.SUPPORT_SEEKING, 0.85, []
    if a.support and len(a.product_order) <= 1:
        return Intent.SUPPORT_SEEKING, 0.7, []
    distinct = len(a.product_order)
    revisited = len(a.product_sequence) > distinct
    if distinct >= 2 and (a.compares or revisited):
        return Intent.COMPARING, 0.85, []
    if a.compares:
        return Intent.COMPARING, 0.7, []
    if distinct >= 3:
        return Intent.COMPARING, 0.65, []
    long_dwell = any(d >= LONG_DWELL_SECONDS for d in a.dwell.values())
    evidence = sum([bool(a.searches), bool(a.research), long_dwell, bool(a.deep_scrolls)])
    if evidence >= 2:
        return Intent.RESEARCHING, 0.8, []
    if evidence == 1 and (distinct or a.research or a.searches):
        return Intent.RESEARCHING, 0.65, []
    if distinct == 2:
        return Intent.COMPARING, 0.55, []
    return Intent.BROWSING, 0.6 if len(a.milestones) <= 1 else 0.5, []


class RulesInterpreter:
    name = "rules"

    def interpret(self, *, context: SessionContext, events: list[TimelineEvent]) -> Interpretation:
        a = analyse(context, events)
        intent, confidence, reasons = _decide(a)
        label = confidence_label(confidence)
        primary: str | None = None
        if a.cart_adds and a.cart_products:
            primary = a.cart_products[0]
        elif a.product_order:
            primary = a.product_order[-1]
        of_primary = f" of {primary}" if primary else ""
        for_primary = f" for {primary}" if primary else ""
        pages = context.page_views

        clauses = [_clause(m, context, events) for m in a.milestones]
        if intent == Intent.ABANDONED and "navigating away from the cart" in reasons:
            clauses.append("then left the purchase funnel")
        if not clauses:
            shown = ", ".join(context.pages[:3]) + (", …" if len(context.pages) > 3 else "")
            clauses = [f"browsed {pages} page{'s' if pages != 1 else ''}" + (f" ({shown})" if shown else "")]
        summary = f"User {_join(clauses)}."

        topic = a.support_topics[0] if a.support_topics else ""
        if intent == Intent.PURCHASING:
            verdict = f"Indicates {label} purchase intent{for_primary}."
            goals = [f"buy {primary}" if primary else "buy a product"]
            next_action = "Complete the purchase." if a.checkouts else "Proceed to checkout."
        elif intent == Intent.PURCHASED:
            bought = _join(a.cart_products) if a.cart_products else primary
            verdict = f"Indicates a completed purchase{f' of {bought}' if bought else ''}."
            goals = [f"buy {bought}" if bought else "buy a product"]
            next_action = "Track the order, or return for support or accessories."
        elif intent == Intent.ABANDONED:
            verdict = f"Indicates an abandoned purchase{of_primary} after {_join(reasons)}."
            goals = [f"buy {primary}" if primary else "buy a product"]
            next_action = "Leave; may return to the cart later (a reminder or help with the checkout could recover it)."
        elif intent == Intent.COMPARING:
            verdict = f"Indicates the user was comparing {_join(a.product_order[:4]) or 'products'}."
            goals = [f"choose between {_join(a.product_order[:4])}" if a.product_order else "choose a product"]
            next_action = (
                f"Return to {a.product_order[-1]} or add one of the compared products to the cart."
                if (a.product_order)
                else "Keep comparing products."
            )
        elif intent == Intent.RESEARCHING:
            subject = primary or (a.searches[0][1] if a.searches and a.searches[0][1] != "something" else "products")
            verdict = f"Indicates {label} research interest in {subject}."
            goals = [f"learn about {subject}"]
            next_action = (
                f"Add {primary} to the cart or keep reading." if primary else "Keep reading or view a product."
            )
        elif intent == Intent.SUPPORT_SEEKING:
            verdict = f"Indicates the user was seeking support{f' ({topic})' if topic else ''}."
            goals = [f"get help with {topic}" if topic else "get help"]
            next_action = "Wait for a support reply." if a.contact_submits else "Contact support."
        else:
            verdict = "Indicates casual browsing with no clear purchase intent."
            goals = ["explore the site"]
            next_action = "Keep browsing or leave."

        for _, term in a.searches:
            if term != "something" and f"find {term}" not in goals:
                goals.append(f"find {term}")

        signals = self._frustration(a)
        frustration = f" Frustration signals: {_join(s.text for s in signals[:3])}." if signals else ""
        moments = [self._moment(context, events, m.indexes, m.text) for m in a.milestones]
        moments += [self._moment(context, events, s.event_indexes, s.text[0].upper() + s.text[1:]) for s in signals]
        moments.sort(key=lambda m: m.offset_seconds)
        products = list(dict.fromkeys(a.product_order + a.cart_products))
        return Interpretation(
            summary=f"{summary} {verdict}{frustration}",
            intent=str(intent),
            intent_confidence=round(confidence, 2),
            goals=goals,
            behaviors=self._behaviors(context, a),
            predicted_next_action=next_action,
            products=products,
            key_moments=moments,
            frustration_signals=signals,
            interpreter=self.name,
        )

    @staticmethod
    def _moment(context: SessionContext, events: list[TimelineEvent], indexes: list[int], text: str) -> KeyMoment:
        first = events[indexes[0]]
        return KeyMoment(
            time=first.timestamp.isoformat(),
            offset_seconds=round((first.timestamp - context.started_at).total_seconds(), 3),
            text=text,
            event_indexes=list(indexes),
            event_ids=[events[i].event_id for i in indexes],
        )

    @staticmethod
    def _frustration(a: Analysis) -> list[FrustrationSignal]:
        signals: list[FrustrationSignal] = []
        if a.rage:
            signals.append(
                FrustrationSignal("rage_click", f"rage clicks on {a.rage[0].element_label}", [e.index for e in a.rage])
            )
        if a.dead:
            signals.append(
                FrustrationSignal("dead_click", f"dead clicks on {a.dead[0].element_label}", [e.index for e in a.dead])
            )
        if a.form_errors:
            n = len(a.form_errors)
            message = str(a.form_errors[0].props.get("message") or "").strip()
            text = f"{n} form validation error{'s' if n > 1 else ''}" + (f' ("{message[:60]}")' if message else "")
            signals.append(FrustrationSignal("form_error", text, [e.index for e in a.form_errors]))
        for event, label in a.abandoned_forms:
            signals.append(
                FrustrationSignal("form_abandoned", f"abandoned the {label.removeprefix('a ')}", [event.index])
            )
        for event, text in a.slow:
            signals.append(FrustrationSignal("slow_page", text, [event.index]))
        for event, text in a.poor_vitals:
            signals.append(FrustrationSignal("poor_vital", text, [event.index]))
        return signals

    @staticmethod
    def _behaviors(context: SessionContext, a: Analysis) -> list[str]:
        found: list[str] = []
        distinct = len(context.pages)
        if context.page_views:
            pattern = "linear" if distinct == context.page_views else "with revisits"
            found.append(f"navigation: {context.page_views} page views over {distinct} pages, {pattern}")
        for product in a.product_order:
            found.append(f"product view: {product} ({a.dwell.get(product, 0.0):.0f} s)")
        if a.impressions:
            found.append(f"product cards seen in lists: {a.impressions}")
        if len(a.product_sequence) > len(a.product_order):
            found.append("back-and-forth between products")
        if a.searches:
            found.append("searches: " + ", ".join(t for _, t in a.searches))
        if a.cart_adds:
            found.append(f"cart adds: {len(a.cart_adds)}")
        if a.cart_removes:
            found.append(f"cart removals: {len(a.cart_removes)}")
        if a.checkouts:
            found.append("checkout reached")
        if a.purchases:
            found.append("purchase completed")
        if a.support:
            found.append(f"support pages: {len(a.support)}")
        if a.research:
            found.append(f"research content: {len(a.research)}")
        if a.deep_scrolls:
            found.append("deep scrolling")
        if a.abandoned_forms:
            found.append("form abandonment: " + ", ".join(label for _, label in a.abandoned_forms))
        if a.form_errors:
            found.append(f"form validation errors: {len(a.form_errors)}")
        if a.rage:
            found.append(f"rage clicks: {len(a.rage)}")
        if a.dead:
            found.append(f"dead clicks: {len(a.dead)}")
        if a.slow or a.poor_vitals:
            found.append(f"slow pages: {len(a.slow) + len(a.poor_vitals)}")
        return found
