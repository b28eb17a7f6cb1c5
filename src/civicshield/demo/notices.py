"""Veridia's public side: methods and citizen-toolkit articles in English, French and
Spanish, and one public notice about the fake voting-information site
vote-info-veridia.com — written in plain, specific words that pass the plain-language
check, translated into French, published, then corrected once.

Everything goes through the comms services, as real use would. Every name, place and
address here is invented. Dates are relative to the day the demo is loaded.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.db.models import Q
from django.utils import formats, timezone, translation

from civicshield.comms import services
from civicshield.comms.choices import ArticleKind, NoticeStatus
from civicshield.comms.models import Article, Notice

Progress = Callable[[str, int, int], None]

DEMO_NOTICE_SLUG = "fake-site-says-you-can-vote-by-text-message"
DECISION_REFERENCE = "Expert panel decision on the vote-info-veridia.com campaign (demo)"

# (kind, slug, position, {language: (title, summary, body)})
ARTICLES: list[tuple[str, str, int, dict[str, tuple[str, str, str]]]] = [
    (ArticleKind.METHOD, "how-we-check-a-report", 1, {
        "en": ("How we check a report",
               "Two people check every report before we act on it.",
               "Reports come from election staff, parties, fact-checkers, platforms and "
               "members of the public.\n\n"
               "Two analysts read each report. They look for the same web address, phone "
               "number or wording in other reports. They check the claim against the "
               "Electoral Commission's own records.\n\n"
               "We only say that something is false when the people who run that part of "
               "the election confirm it."),
        "fr": ("Comment nous vérifions un signalement",
               "Deux personnes vérifient chaque signalement avant toute action.",
               "Les signalements viennent du personnel électoral, des partis, des "
               "vérificateurs de faits, des plateformes et du public.\n\n"
               "Deux analystes lisent chaque signalement. Ils cherchent la même adresse web, "
               "le même numéro ou les mêmes mots dans d'autres signalements. Ils comparent "
               "l'affirmation avec les registres de la Commission électorale.\n\n"
               "Nous disons qu'une chose est fausse seulement quand les responsables de "
               "cette partie de l'élection le confirment."),
        "es": ("Cómo comprobamos un aviso",
               "Dos personas comprueban cada aviso antes de actuar.",
               "Los avisos llegan del personal electoral, los partidos, los verificadores, "
               "las plataformas y el público.\n\n"
               "Dos analistas leen cada aviso. Buscan la misma dirección web, el mismo "
               "número o las mismas palabras en otros avisos. Comparan lo que dice con los "
               "registros de la Comisión Electoral.\n\n"
               "Solo decimos que algo es falso cuando lo confirman quienes llevan esa parte "
               "de la elección."),
    }),
    (ArticleKind.METHOD, "when-we-tell-the-public", 2, {
        "en": ("When we tell the public",
               "A panel of senior officials from no party decides.",
               "Many small acts can add up to one plan to harm the election. We link reports "
               "that share a web address, an account or a message.\n\n"
               "A panel of senior officials who belong to no party then decides if the harm "
               "is serious enough to tell the public. Members with a link to a party or a "
               "victim step aside.\n\n"
               "Before we publish, we tell the people targeted and we offer a briefing to "
               "every party in the election, at the same time."),
        "fr": ("Quand nous informons le public",
               "Un groupe de hauts responsables sans parti décide.",
               "Plusieurs petits actes peuvent former un seul plan contre l'élection. Nous "
               "relions les signalements qui ont la même adresse web, le même compte ou le "
               "même message.\n\n"
               "Un groupe de hauts responsables sans parti décide ensuite si le danger est "
               "assez grave pour informer le public. Un membre lié à un parti ou à une "
               "victime se retire.\n\n"
               "Avant de publier, nous prévenons les personnes visées et nous proposons une "
               "réunion à tous les partis de l'élection, en même temps."),
        "es": ("Cuándo informamos al público",
               "Decide un grupo de altos cargos sin partido.",
               "Muchos actos pequeños pueden formar un solo plan contra la elección. Unimos "
               "los avisos que comparten una dirección web, una cuenta o un mensaje.\n\n"
               "Después, un grupo de altos cargos sin partido decide si el daño es tan grave "
               "como para informar al público. Quien tenga un vínculo con un partido o una "
               "víctima se aparta.\n\n"
               "Antes de publicar, avisamos a las personas afectadas y ofrecemos una reunión "
               "a todos los partidos de la elección, a la vez."),
    }),
    (ArticleKind.TOOLKIT, "check-where-and-how-to-vote", 1, {
        "en": ("Check where and how to vote",
               "Only the Electoral Commission can tell you where and how to vote.",
               "Look up your polling station on the Electoral Commission's website or call "
               "its free helpline.\n\n"
               "You cannot vote by text message, by e-mail or on social media. You vote in "
               "person, or by postal ballot if you signed up for one.\n\n"
               "If a message says your polling station has moved, check it with the "
               "Commission before you go."),
        "fr": ("Vérifiez où et comment voter",
               "Seule la Commission électorale peut vous dire où et comment voter.",
               "Cherchez votre bureau de vote sur le site de la Commission électorale ou "
               "appelez son numéro gratuit.\n\n"
               "On ne vote pas par SMS, par courriel ou sur les réseaux sociaux. Vous votez "
               "en personne, ou par courrier si vous vous êtes inscrit pour cela.\n\n"
               "Si un message dit que votre bureau de vote a changé, vérifiez auprès de la "
               "Commission avant d'y aller."),
        "es": ("Compruebe dónde y cómo votar",
               "Solo la Comisión Electoral puede decirle dónde y cómo votar.",
               "Busque su colegio electoral en la web de la Comisión Electoral o llame a su "
               "teléfono gratuito.\n\n"
               "No se puede votar por SMS, por correo electrónico ni en las redes sociales. "
               "Usted vota en persona, o por correo si se inscribió para ello.\n\n"
               "Si un mensaje dice que su colegio electoral ha cambiado, compruébelo con la "
               "Comisión antes de ir."),
    }),
    (ArticleKind.TOOLKIT, "check-before-you-share", 2, {
        "en": ("Check before you share",
               "Three habits that stop false news from spreading.",
               "Look at the web address. A fake site often adds a word to a real name, like "
               "vote-info in front of the country's name.\n\n"
               "Ask who says it. Search for the same news on the sites of the Electoral "
               "Commission or of a news outlet you trust.\n\n"
               "Wait before you share. Posts that make you angry or scared are the ones to "
               "check first."),
        "fr": ("Vérifiez avant de partager",
               "Trois habitudes pour freiner les fausses nouvelles.",
               "Regardez l'adresse web. Un faux site ajoute souvent un mot à un vrai nom, "
               "comme vote-info devant le nom du pays.\n\n"
               "Demandez qui le dit. Cherchez la même nouvelle sur le site de la Commission "
               "électorale ou d'un média de confiance.\n\n"
               "Attendez avant de partager. Les messages qui vous mettent en colère ou vous "
               "font peur sont à vérifier en premier."),
        "es": ("Compruebe antes de compartir",
               "Tres hábitos que frenan las noticias falsas.",
               "Mire la dirección web. Una web falsa suele añadir una palabra a un nombre "
               "real, como vote-info delante del nombre del país.\n\n"
               "Pregunte quién lo dice. Busque la misma noticia en la web de la Comisión "
               "Electoral o de un medio de confianza.\n\n"
               "Espere antes de compartir. Los mensajes que le enfadan o le asustan son los "
               "primeros que hay que comprobar."),
    }),
    (ArticleKind.TOOLKIT, "report-what-you-see", 3, {
        "en": ("Report what you see",
               "Tell us about anything that could harm the election.",
               "Use the form on this site. You do not need an account, and you can stay "
               "anonymous.\n\n"
               "Copy the web address, the account name or the message exactly as you saw "
               "it. Say where and when you saw it.\n\n"
               "Do not reply to the sender and do not click the links."),
        "fr": ("Signalez ce que vous voyez",
               "Dites-nous tout ce qui pourrait nuire à l'élection.",
               "Utilisez le formulaire de ce site. Vous n'avez pas besoin de compte et vous "
               "pouvez rester anonyme.\n\n"
               "Copiez l'adresse web, le nom du compte ou le message tel que vous l'avez vu. "
               "Dites où et quand vous l'avez vu.\n\n"
               "Ne répondez pas à l'expéditeur et ne cliquez pas sur les liens."),
        "es": ("Avise de lo que vea",
               "Cuéntenos cualquier cosa que pueda dañar la elección.",
               "Use el formulario de esta web. No necesita una cuenta y puede seguir en el "
               "anonimato.\n\n"
               "Copie la dirección web, el nombre de la cuenta o el mensaje tal como lo vio. "
               "Diga dónde y cuándo lo vio.\n\n"
               "No responda a quien lo envió y no pulse los enlaces."),
    }),
]


def _day(moment: date, language: str) -> str:
    with translation.override(language):
        return formats.date_format(moment, "l j F Y")


def notice_texts(today: date, *, corrected: bool = False) -> dict[str, dict[str, str]]:
    """The notice's words in English and French; `corrected` gives version 2."""
    first_seen, posts_from, posts_to = (today - timedelta(days=6), today - timedelta(days=5),
                                        today - timedelta(days=2))
    neighbourhoods_en = "four Portvale neighbourhoods" if corrected else \
        "three Portvale neighbourhoods"
    neighbourhoods_fr = "quatre quartiers de Portvale" if corrected else \
        "trois quartiers de Portvale"
    return {
        "en": {
            "headline": "Fake website tells voters they can vote by text message",
            "what_happened": (
                "A fake website, vote-info-veridia.com, copies the look of the Electoral "
                "Commission's voter page. It says that you can vote by text message and that "
                "polling stations in Portvale have moved. Both claims are false. Posts from "
                f"212 fake accounts and leaflets in {neighbourhoods_en} sent people to the "
                "site."),
            "when": (
                f"We first saw the site on {_day(first_seen, 'en')}. The posts and leaflets "
                f"appeared from {_day(posts_from, 'en')} to {_day(posts_to, 'en')}."),
            "who_affected": (
                "Voters in every region, and most of all voters in "
                f"{neighbourhoods_en} who got the leaflets."),
            "what_it_means": (
                "You cannot vote by text message. You vote in person at your polling station, "
                "or by post if you signed up for a postal ballot. No polling station in "
                "Portvale has moved."),
            "what_to_do": (
                "Do not send your details to vote-info-veridia.com. Check your polling "
                "station on the Electoral Commission's own website or call its free helpline. "
                "If you see the leaflet or the posts, tell us with the form on this site."),
            "how_we_know": (
                "Two social media companies found the fake accounts and took them down. A "
                "team of fact-checkers and the Electoral Commission checked both claims. Our "
                "observers found the leaflets and compared each address with the "
                "Commission's list."),
        },
        "fr": {
            "headline": "Un faux site dit aux électeurs qu'ils peuvent voter par SMS",
            "what_happened": (
                "Un faux site, vote-info-veridia.com, copie la page de la Commission "
                "électorale pour les électeurs. Il dit que l'on peut voter par SMS et que des "
                "bureaux de vote de Portvale ont changé d'adresse. C'est faux. Des messages "
                f"de 212 faux comptes et des tracts dans {neighbourhoods_fr} renvoient vers "
                "ce site."),
            "when": (
                f"Nous avons vu le site pour la première fois le {_day(first_seen, 'fr')}. "
                f"Les messages et les tracts ont circulé du {_day(posts_from, 'fr')} au "
                f"{_day(posts_to, 'fr')}."),
            "who_affected": (
                "Les électeurs de toutes les régions, et surtout ceux de "
                f"{neighbourhoods_fr} qui ont reçu les tracts."),
            "what_it_means": (
                "On ne peut pas voter par SMS. Vous votez en personne dans votre bureau de "
                "vote, ou par courrier si vous avez demandé un vote par courrier. Aucun "
                "bureau de vote de Portvale n'a changé d'adresse."),
            "what_to_do": (
                "N'envoyez pas vos données à vote-info-veridia.com. Cherchez votre bureau de "
                "vote sur le site de la Commission électorale ou appelez son numéro gratuit. "
                "Si vous voyez le tract ou les messages, dites-le-nous avec le formulaire de "
                "ce site."),
            "how_we_know": (
                "Deux réseaux sociaux ont trouvé les faux comptes et les ont fermés. Une "
                "équipe de vérification des faits et la Commission électorale ont vérifié les "
                "deux affirmations. Nos observateurs ont trouvé les tracts et comparé chaque "
                "adresse avec la liste de la Commission."),
        },
    }


CHANGE_SUMMARY = (
    "We first said the leaflets were found in three Portvale neighbourhoods. Our observers "
    "have since found them in a fourth one. We changed \"What happened\" and \"Who is "
    "affected\".")


def _load_articles(actor: Any) -> list[Article]:
    saved = []
    for kind, slug, position, languages in ARTICLES:
        for language, (title, summary, body) in languages.items():
            saved.append(services.save_article(
                actor=actor, kind=kind, slug=slug, language=language, title=title,
                summary=summary, body=body, position=position))
    return saved


def load(*, actor: Any, progress: Progress | None = None) -> Notice:
    """Load the articles and the notice once; a second call changes nothing."""
    existing = Notice.objects.exclude(status=NoticeStatus.DRAFT).filter(
        Q(slug=DEMO_NOTICE_SLUG) | Q(decision_reference__startswith="panel case")).first()
    if existing is not None:
        return existing
    steps = 5
    if progress:
        progress("public articles", 0, steps)
    articles = _load_articles(actor)
    links = [article for article in articles if article.slug in (
        "check-where-and-how-to-vote", "how-we-check-a-report")]
    today = timezone.localdate()
    now = timezone.now()
    texts = notice_texts(today)
    english = texts.pop("en")
    if progress:
        progress("public notice", 1, steps)
    # The panel's "public notice" decision started a draft: write the demo's words into it,
    # so the decided case and the published notice are one story. Alone, start a draft.
    panel_draft = Notice.objects.filter(status=NoticeStatus.DRAFT,
                                        decision_reference__startswith="panel case").first()
    if panel_draft is not None:
        notice = services.update_notice_draft(
            actor=actor, notice=panel_draft, texts={**texts, "en": english},
            original_language="en", articles=links)
    else:
        notice = services.create_notice_draft(
            actor=actor, language="en", translations=texts, slug=DEMO_NOTICE_SLUG,
            decision_reference=DECISION_REFERENCE, articles=links, **english)
    services.approve_notice(actor=actor, notice=notice)
    if progress:
        progress("public notice", 2, steps)
    services.publish_notice(actor=actor, notice=notice, now=now - timedelta(days=1))
    if progress:
        progress("public notice", 3, steps)
    services.correct_notice(actor=actor, notice=notice, change_summary=CHANGE_SUMMARY,
                            texts=notice_texts(today, corrected=True), now=now)
    if progress:
        progress("public notice", steps, steps)
    notice.refresh_from_db()
    return notice
