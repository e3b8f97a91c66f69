"""The phrase and tag pools synthetic comments are assembled from (comments.generation).

Written for this project, one pool per category: an opening, a middle and an ending, combined.
"""

from __future__ import annotations

from .models import Category

PHRASES: dict[str, tuple[tuple[str, ...], ...]] = {
    Category.PRAISE: (
        (
            "Que álbum incrível,",
            "Amei o show de ontem,",
            "A playlist da semana tá perfeita,",
            "O clipe novo ficou lindo,",
            "Essa produção tá impecável,",
            "Voz maravilhosa,",
            "O app melhorou muito,",
            "Que letra bonita,",
        ),
        (
            "ouvi o dia inteiro",
            "chorei do começo ao fim",
            "não paro de ouvir",
            "melhor lançamento do ano",
            "vale cada minuto",
            "a banda tava afiada",
        ),
        ("!", ", parabéns!", ". Obrigado, AluMusic!", " ❤️", ", sério.", "."),
    ),
    Category.CRITICISM: (
        (
            "O aplicativo trava",
            "O som tá chiando",
            "O preço da assinatura subiu de novo",
            "O show atrasou duas horas",
            "A busca não acha nada",
            "Anúncio demais",
            "A fila de ingressos caiu",
            "O áudio do ao vivo tá baixo",
        ),
        (
            "toda vez que troco de música",
            "no fone bluetooth",
            "e ninguém explica",
            "e o atendimento não responde",
            "desde a última atualização",
            "no meio da faixa",
        ),
        (".", ", que decepção.", ". Assim fica difícil.", ", péssimo.", "!"),
    ),
    Category.SUGGESTION: (
        (
            "Podiam lançar",
            "Seria ótimo ter",
            "Que tal colocar",
            "Sugiro adicionar",
            "Deveriam liberar",
            "Falta só",
        ),
        (
            "a versão acústica",
            "letra sincronizada",
            "modo offline nas playlists",
            "show em Recife",
            "um plano família mais barato",
            "o podcast com os bastidores",
        ),
        (".", ", por favor!", " no próximo mês.", ", ia ajudar muito.", "?"),
    ),
    Category.QUESTION: (
        (
            "Quando abre a venda",
            "Alguém sabe como",
            "Onde encontro",
            "Qual é o horário",
            "Como faço para",
            "Quanto custa",
        ),
        (
            "de ingressos para Porto Alegre",
            "baixar as músicas",
            "a letra completa",
            "do show de sábado",
            "cancelar a assinatura",
            "o plano estudante",
        ),
        ("?", "??", "? Obrigado.", "? Não achei no app."),
    ),
    Category.SPAM: (
        (
            "GANHE 1000 SEGUIDORES",
            "Cupom de 90% só hoje",
            "Sigam meu perfil",
            "Promoção imperdível",
            "Clique e ganhe",
        ),
        ("em bit.ly/promo", "link na bio", "www.ofertas.example", "no meu canal"),
        ("!!!", " 🔥🔥", "!", " agora."),
    ),
}
TAG_POOLS: dict[str, tuple[str, ...]] = {
    Category.PRAISE: ("album", "show", "producao_musical", "vocal", "letra", "playlist", "clipe"),
    Category.CRITICISM: ("bug_app", "qualidade_audio", "preco_assinatura", "show_estrutura",
                         "busca", "anuncios", "show_ingresso", "desempenho_app"),
    Category.SUGGESTION: ("letra_sincronizada", "modo_offline", "show", "preco_assinatura",
                          "podcast", "catalogo"),
    Category.QUESTION: ("show_ingresso", "pagamento", "app", "letra", "login_conta"),
    Category.SPAM: ("link_externo", "promocao_externa", "autopromocao"),
}  # fmt: skip
