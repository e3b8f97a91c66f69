"""The canonical tag taxonomy: snake_case codes with a pt-BR description.

Loaded into the Tag table by a data migration; the local tagger and the Gemini prompt both
draw from it. Codes outside it (from Gemini) are stored as new tags for curators to merge.
"""

from __future__ import annotations

import functools

TAXONOMY: dict[str, str] = {
    # Música e artistas
    "musica": "Uma música específica (faixa, single)",
    "album": "Álbum, EP ou disco",
    "artista": "Artista, banda ou cantor(a)",
    "letra": "Letra da música, composição, mensagem",
    "vocal": "Voz, interpretação, afinação do(a) cantor(a)",
    "producao_musical": "Produção, arranjo, mixagem, beat, instrumental",
    "lancamento": "Lançamento novo, estreia, data de lançamento",
    "clipe": "Videoclipe, visualizer, vídeo oficial",
    "colaboracao": "Parceria, feat, participação especial",
    "genero_musical": "Gênero ou estilo musical (sertanejo, funk, rock, pagode…)",
    "nostalgia": "Memória afetiva, música antiga, saudade",
    # Shows e eventos
    "show": "Show, apresentação ao vivo, turnê, festival",
    "show_ingresso": "Ingressos de show: preço, venda, fila, meia-entrada",
    "show_estrutura": "Estrutura do evento: som do local, organização, segurança, acesso",
    "setlist": "Repertório do show",
    # Aplicativo e plataforma
    "app": "O aplicativo de streaming em geral",
    "bug_app": "Falha, travamento, erro ou bug do aplicativo",
    "desempenho_app": "Lentidão, carregamento, consumo de bateria ou dados",
    "interface": "Layout, design, navegação, modo escuro, usabilidade",
    "login_conta": "Login, senha, cadastro, conta, perfil",
    "modo_offline": "Download de músicas e uso offline",
    "letra_sincronizada": "Letras na tela, karaokê, letra sincronizada",
    "busca": "Busca e pesquisa dentro do app",
    "podcast": "Podcasts e audiolivros",
    "dispositivos": "TV, carro, smartwatch, caixa de som, Chromecast, computador",
    "anuncios": "Propagandas e anúncios no plano gratuito",
    # Áudio
    "qualidade_audio": "Qualidade do som: volume, chiado, graves, hi-fi, compressão",
    # Descoberta e coleção
    "playlist": "Playlists: criar, editar, compartilhar, playlists editoriais",
    "recomendacao": "Recomendações, algoritmo, mix diário, descobertas",
    "radio": "Rádio, estações, modo aleatório",
    "catalogo": "Catálogo: música ou artista faltando, indisponível ou removido",
    "social": "Compartilhar, seguir amigos, recursos sociais",
    "retrospectiva": "Retrospectiva anual, estatísticas de escuta",
    # Negócio
    "preco_assinatura": "Preço, planos, assinatura, desconto, plano família/estudante",
    "pagamento": "Cobrança, cartão, Pix, boleto, reembolso",
    "atendimento": "Suporte, SAC, atendimento ao cliente",
    "privacidade": "Dados pessoais, privacidade, permissões",
    # Spam
    "link_externo": "Link externo ou convite para sair da plataforma",
    "promocao_externa": "Promoção, cupom, sorteio, venda ou oferta de terceiros",
    "autopromocao": "Pedido de seguidores, 'me segue', divulgação do próprio perfil",
    "conteudo_sem_sentido": "Texto sem sentido, repetição, corrente, copia-e-cola",
}


@functools.cache
def taxonomy_codes() -> frozenset[str]:
    """The canonical tag codes (TAXONOMY is a constant: built once)."""
    return frozenset(TAXONOMY)
