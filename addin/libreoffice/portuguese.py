"""The Portuguese (pt-BR) texts of the formula functions in Calc's Function Wizard.

The English texts are the xlwings decorators' own (udfs/*.py); this table only adds Portuguese:
function name -> (description, {argument: (display name, description)}). A function missing
here is shown in English in a Portuguese Calc (tests/test_calc_addin.py lists what is missing).
"""

from __future__ import annotations

_LOCALE = ('localidade', 'Opcional: "en" (padrão) ou "pt-BR": como ler números como 1.234')
_GROSS = ("bruto", "O salário bruto tributável do mês (salário + horas extras + bônus), ex. 5000")
_AS_OF = ("data_base", "Opcional: a data de referência (padrão hoje; HOJE() recalcula todo dia)")
_BUCKETS = ("faixas", 'Opcional: limites das faixas em dias, ex. "30,60,90,120" (o padrão)')
_DEPENDENTS = ("dependentes", "Opcional: número de dependentes para o imposto de renda (padrão 0)")

PORTUGUESE: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "BO_VALIDATE": (
        "Problemas de um intervalo (cabeçalho + dados) pelas regras do Back Office para o seu "
        "tipo, ou uma linha OK.",
        {"table": ("tabela", "O intervalo a verificar: a linha de cabeçalho e as linhas de dados"),
         "sheet_kind": ("tipo_planilha", 'O que o intervalo contém: "Orders", "Invoices", '
                        '"Pedidos"...'),
         "top_left": ("canto", 'Opcional: onde o intervalo começa, ex. "Orders!A1"'),
         "locale": (_LOCALE[0], _LOCALE[1] + ", e o idioma das mensagens")}),
    "BO_PARSE_NUMBER": (
        'Número digitado como texto, pt-BR ou inglês ("1.234,56", "R$ 10", "12%"); um intervalo '
        "dá um intervalo.",
        {"text": ("texto", 'Texto como "1.234,56", "R$ 10", "(12,50)", "12%", ou um intervalo'),
         "locale": _LOCALE}),
    "BO_PARSE_DATE": (
        "Data digitada como texto (dd/mm/aaaa, dd.mm.aaaa, aaaa-mm-dd) ou um número de série; um "
        "intervalo dá um intervalo.",
        {"text": ("texto", 'Uma data digitada como texto: "31/10/2026", "31.10.2026", '
                  '"2026-10-31"')}),
    "BO_TAXID_VALID": (
        "VERDADEIRO quando um CPF ou CNPJ tem os dígitos verificadores certos, senão FALSO; um "
        "intervalo dá um intervalo.",
        {"value": ("valor", "Um CPF ou CNPJ, com ou sem pontuação, ou um intervalo"),
         "kind": ("tipo", 'Opcional: "CPF", "CNPJ", ou vazio para qualquer um')}),
    "BO_INSS": (
        "Contribuição do empregado ao INSS (faixas BR-2026, teto 8.475,55) sobre o bruto do mês.",
        {"gross": _GROSS}),
    "BO_IRRF": (
        "Linha do IRRF (BR-2026): base de cálculo, imposto da tabela, redução da Lei 15.270, "
        "imposto retido.",
        {"gross": _GROSS, "dependents": _DEPENDENTS}),
    "BO_NET_PAY": (
        "Linha do salário líquido (BR-2026): bruto, INSS, IRRF retido, líquido.",
        {"gross": _GROSS, "dependents": _DEPENDENTS}),
    "BO_AGING_BUCKET": (
        "Faixa de vencimento de uma data: Current, 1-30, 31-60, 61-90, 91-120, 120+; um "
        "intervalo dá um intervalo.",
        {"due_date": ("vencimento", "Uma data de vencimento (data, número de série ou texto) ou "
                      "um intervalo delas"),
         "as_of": _AS_OF, "buckets": _BUCKETS}),
    "BO_AGING": (
        "Saldo em aberto por parte e moeda em cada faixa de vencimento (a receber, depois a "
        "pagar), com linhas de total.",
        {"invoices": ("faturas", "O intervalo Invoices: linha de cabeçalho (Invoice No, Type, "
                      "Party, Issue Date, Due Date, Amount...) e linhas"),
         "payments": ("pagamentos", "O intervalo Payments: linha de cabeçalho (Payment Date, "
                      "Type, Party, Invoice No, Amount) e linhas"),
         "as_of": _AS_OF, "buckets": _BUCKETS}),
    "BO_ORDER_LINE": (
        "Líquido, imposto e total de uma linha de pedido, arredondados (meio para cima) aos "
        "centavos, numa linha.",
        {"quantity": ("quantidade", 'Quantas unidades (um número, ou texto como "1,5")'),
         "unit_price": ("preço_unitário", "O preço de uma unidade"),
         "discount": ("desconto", "Opcional: o desconto como fração ou %, ex. 5% (padrão 0)"),
         "tax_rate": ("alíquota", "Opcional: a alíquota do imposto como fração ou %, ex. 18% "
                      "(padrão 0)")}),
    "BO_STOCK_VALUE": (
        "Valoração do estoque por SKU (custo médio móvel ou PEPS) a partir dos intervalos Stock, "
        "Movements e Orders.",
        {"stock": ("estoque", "O intervalo Stock: linha de cabeçalho e linhas de itens"),
         "movements": ("movimentos", "O intervalo Stock Movements: linha de cabeçalho e "
                       "movimentos (pode ser só o cabeçalho)"),
         "orders": ("pedidos", "O intervalo Orders: linha de cabeçalho e linhas de pedido (pode "
                    "ser só o cabeçalho)"),
         "method": ("método", 'Opcional: "moving_average" (padrão) ou "fifo"')}),
}
