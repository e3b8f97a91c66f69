"""Keyword rules of the local tagger: per tag code, the words and phrases that are evidence of it.

Terms are written accent-free and lower-case (text is folded the same way before matching).
A term is one or more words separated by spaces; a word ending in `*` is a prefix ("trav*"
matches "travou", "travando"). Words of six letters or more also match with one typo.
Rules are tuned for precision on the training corpus's annotated tags (insights/data/MODEL.md):
a word that often appears without its tag being meant (like "música" or "app") is left out or
narrowed to a phrase.
"""

from __future__ import annotations

SPAM_CODES = frozenset({"link_externo", "promocao_externa", "autopromocao", "conteudo_sem_sentido"})

# Order matters: when more tags match than a comment may carry, the earlier ones win, and a
# phrase already quoted as evidence for an earlier code is not reused by a later one.
# Each value lists a code's terms, comma-separated (see the module docstring for the syntax).
_TERMS: dict[str, str] = {
    # Spam (only for comments classified SPAM)
    "autopromocao": (
        "me segue, me sigam, me siga, sigam, sigo de volta, segue de volta, meu canal, meu "
        "perfil, meu som, meu single, meu ep, meu album, minha musica, minha banda, meu trabalho, "
        "meu primeiro, minha primeira, inscreva*, se inscreve, follow, subscribe, my new, deixa o "
        "like, divulg*, ajuda o pequeno, ajudem o, pequeno artista, segue la, segue ai, meu "
        "insta, meu tiktok, meu podcast, minha live, meus sets"
    ),
    "promocao_externa": (
        "promo*, cupom, cupons, desconto*, sorteio*, sortea*, oferta*, vendo, compre, ganhe, "
        "ganhar, renda extra, zap, pix, frete, off, curso, gratis, barato, renda, lucr*, apost*, "
        "bet, cassino, investi*, reais, queima, loja, liquida*, vagas"
    ),
    "link_externo": (
        "link*, site, www, http*, bio, acesse, acessa, clica, clique, entra no, entre no, canal, "
        "youtube, telegram"
    ),
    "conteudo_sem_sentido": (
        "compartilha essa, corrente, repasse, envie para, envie pra, mande para, mande pra, "
        "pessoas pra, pessoas para"
    ),
    # Shows
    "show_ingresso": "ingresso*, meia entrada, pre venda, prevenda, bilheteria, cambista*, esgot*",
    "show_estrutura": (
        "estrutura, organizacao, banheiro*, estacionamento, telao, teloes, som do show, som do "
        "local, som do festival, seguranca, segurancas, acessibilidade, camarote, fila pra, "
        "sombra"
    ),
    "setlist": "setlist, set list, bis, tocaram todas, tocou todas",
    "show": "show, shows, turne, festival, palco",
    # App
    "letra_sincronizada": (
        "letra sincronizada, letras sincronizadas, sincroniz*, karaoke, letra na tela, letras na "
        "tela, letra atrasada, letra fica atrasada"
    ),
    "modo_offline": (
        "off line, sem internet, download*, baixar, baixei, baixada, baixadas, baixados"
    ),
    "login_conta": (
        "login, logar, deslog*, senha, cadastro, minha conta, da conta, na conta, a conta, "
        "hackea*, email"
    ),
    "bug_app": (
        "bug, bugs, bugad*, bugou, crash*, fecha sozinho, fechando sozinho, fecha do nada, deu "
        "erro, nao abre, tela preta, congela*, pula sozinh*"
    ),
    "desempenho_app": (
        "lento, lentidao, lerdo, lerda, demora, demorando, bateria, esquenta, esquentando,, consumo"
    ),
    "busca": "busca, buscar, busco, pesquis*, lupa, procurar por",
    "interface": (
        "interface, layout, design, tela inicial, modo escuro, tema escuro, dark mode, botoes, "
        "menu, navegacao, fonte, tela principal, tela de bloqueio"
    ),
    "anuncios": "anuncio*, propaganda*, comerciais, publicidade",
    "podcast": "podcast*, audiolivro*, audiobook*, episodio*, videocast*",
    "dispositivos": (
        "tv, televisao, carro, android auto, carplay, smartwatch, relogio, alexa, caixa de som, "
        "caixinha, chromecast, desktop, mac, windows, fones, bluetooth, videogame, xbox, "
        "playstation, smart tv"
    ),
    "app": "aplicativo, esse app, app de voces, app de vcs",
    # Audio, discovery, business
    "qualidade_audio": (
        "qualidade do audio, qualidade de audio, qualidade do som, qualidade sonora, chiado, "
        "chiando, chia, abafad*, graves, hifi, hi fi, lossless, sem perda, volume, equaliz*, "
        "dolby, atmos, estourad*, distorc*, kbps, alta qualidade, audio ruim"
    ),
    "playlist": "playlist*, lista de reproducao, curadoria",
    "recomendacao": (
        "recomend*, algoritmo, mix diario, descobertas, feito pra voce, feito para voce, "
        "descobrir, sugestoes de musica"
    ),
    "radio": "radio, radios, estacao, estacoes, shuffle",
    "retrospectiva": "retrospectiva*, wrapped, estatistica*, resumo do ano, mais ouvid*",
    "catalogo": (
        "catalogo, indisponivel, indisponiveis, removeram, removid*, tragam, acervo, nao tem "
        "nenhuma"
    ),
    "social": "amigos, amigas, compartilh*, colaborativa*, stories, instagram, insta, seguir",
    "pagamento": (
        "pagamento*, cobranc*, cobrad*, cobrou, cartao, pix, boleto, estorno, fatura, debito, "
        "vencimento"
    ),
    "preco_assinatura": (
        "preco*, plano, planos, assinar, assino, mensalidade, premium, plano familia, estudante, "
        "desconto, caro, cara demais, aumento, aumentou"
    ),
    "atendimento": (
        "suporte, atendimento, atendente*, sac, chamado, protocolo, central de ajuda, ouvidoria, "
        "reclame aqui"
    ),
    "privacidade": (
        "privacidade, dados pessoais, meus dados, lgpd, permiss*, rastre*, termos de uso"
    ),
    # Music
    "clipe": "clipe*, videoclipe*, visualizer, video oficial, clip",
    "colaboracao": "feat, ft, participacao especial, dueto",
    "lancamento": "lanc*, estreia, estreou, pre save, presave, saiu ontem",
    "letra": "letra, compos*, escreveu, rima, rimas, versos",
    "vocal": "voz, vozes, vocal, vocais, interpreta*, afina*, desafin*, timbre, agudo*, falsete",
    "producao_musical": "mixage*, masteriz*, arranjo*, beat, produziu, remix",
    "nostalgia": (
        "nostalg*, saudade*, infancia, anos 90, anos 2000, antigamente, relembr*, me lembrou, "
        "lembra minha"
    ),
    "genero_musical": (
        "sertanejo, rock, pagode, samba, mpb, piseiro, axe, rap, trap, hip hop, gospel, blues, "
        "reggae, brega, arrocha, bossa nova, lofi, lo fi, kpop, k pop, indie, frevo, maracatu, "
        "choro, samba enredo, erudit*, moda de viola, tecnobrega, reggaeton, punk, kuduro, estilo "
        "musical"
    ),
    "album": "album, disco, vinil, tracklist, deluxe",
    # No rule for "artista": annotators tag it for a named artist, which words cannot tell.
    "musica": "refrao, cancao, essa musica, dessa musica",
}

RULES: dict[str, tuple[str, ...]] = {
    code: tuple(term.strip() for term in terms.split(",") if term.strip())
    for code, terms in _TERMS.items()
}

# A code that is implied by a more specific one already chosen is left out, as annotators do.
IMPLIED_BY: dict[str, frozenset[str]] = {
    "show": frozenset({"show_ingresso", "show_estrutura"}),
    "app": frozenset(
        {"bug_app", "desempenho_app", "interface", "login_conta", "modo_offline", "busca"}
    ),
    "letra": frozenset({"letra_sincronizada"}),
}

# Codes mentioned as the setting of many comments about something else ("minha playlist sumiu"):
# kept only when no more specific code matched.
CONTEXT_CODES: frozenset[str] = frozenset(
    {"playlist", "album", "letra", "lancamento", "genero_musical", "preco_assinatura"}
)
