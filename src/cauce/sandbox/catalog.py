"""The sandbox shop's catalogue and marketing calendar, used by the data generator.

A small Spanish lifestyle shop: products with EUR list prices and URL handles
(click and landing URLs point at them), and one campaign theme per month with
subject lines, so generated campaigns read like a real newsletter calendar.
"""

from __future__ import annotations

from decimal import Decimal

#: Shop domain used in click URLs and order landing URLs (the Shopify sandbox's shop).
SHOP_DOMAIN = "cauce-sandbox.myshopify.com"

#: (handle, title, EUR price)
PRODUCTS: tuple[tuple[str, str, Decimal], ...] = (
    ("camiseta-algodon-organico", "Camiseta de algodón orgánico", Decimal("24.95")),
    ("sudadera-capucha-gris", "Sudadera con capucha gris", Decimal("49.90")),
    ("zapatillas-lona-blancas", "Zapatillas de lona blancas", Decimal("59.00")),
    ("mochila-urbana-20l", "Mochila urbana 20 L", Decimal("69.00")),
    ("botella-acero-750ml", "Botella de acero 750 ml", Decimal("19.90")),
    ("taza-ceramica-artesana", "Taza de cerámica artesana", Decimal("14.50")),
    ("cuaderno-tapa-dura-a5", "Cuaderno de tapa dura A5", Decimal("12.95")),
    ("vela-soja-lavanda", "Vela de soja lavanda", Decimal("18.00")),
    ("manta-lana-merino", "Manta de lana merino", Decimal("129.00")),
    ("cafe-especialidad-colombia-250g", "Café de especialidad Colombia 250 g", Decimal("11.90")),
    ("aceite-oliva-virgen-extra-500ml", "Aceite de oliva virgen extra 500 ml", Decimal("13.50")),
    ("jabon-natural-romero", "Jabón natural de romero", Decimal("6.95")),
    ("gafas-sol-polarizadas", "Gafas de sol polarizadas", Decimal("89.00")),
    ("reloj-minimal-cuero", "Reloj minimal con correa de cuero", Decimal("149.00")),
    ("cartera-piel-marron", "Cartera de piel marrón", Decimal("45.00")),
    ("bolso-tote-lona", "Bolso tote de lona", Decimal("29.90")),
    ("pantalon-lino-beige", "Pantalón de lino beige", Decimal("55.00")),
    ("vestido-midi-estampado", "Vestido midi estampado", Decimal("79.00")),
    ("chaqueta-vaquera", "Chaqueta vaquera", Decimal("89.90")),
    ("gorra-bordada", "Gorra bordada", Decimal("22.00")),
    ("calcetines-pack-3", "Calcetines (pack de 3)", Decimal("15.00")),
    ("auriculares-inalambricos", "Auriculares inalámbricos", Decimal("119.00")),
    ("altavoz-bluetooth-mini", "Altavoz Bluetooth mini", Decimal("39.90")),
    ("lampara-mesa-ratan", "Lámpara de mesa de ratán", Decimal("74.00")),
    ("cojin-lino-terracota", "Cojín de lino terracota", Decimal("27.50")),
    ("set-toallas-algodon", "Set de toallas de algodón", Decimal("49.00")),
    ("esterilla-yoga-corcho", "Esterilla de yoga de corcho", Decimal("58.00")),
    ("libro-recetas-mediterraneas", "Libro de recetas mediterráneas", Decimal("24.00")),
    ("puzzle-1000-piezas", "Puzzle de 1000 piezas", Decimal("19.95")),
    ("tarjeta-regalo-50", "Tarjeta regalo 50 €", Decimal("50.00")),
)

#: Product URL handles that clicks may also land on besides product pages.
LANDING_PATHS: tuple[str, ...] = (
    "",
    "collections/novedades",
    "collections/rebajas",
    "collections/hogar",
    "collections/moda",
)

#: month -> (campaign theme, subject lines)
THEMES: dict[int, tuple[str, tuple[str, ...]]] = {
    1: (
        "Rebajas de enero",
        ("Rebajas: hasta -50 % en tus favoritos", "Empieza el año con rebajas"),
    ),
    2: ("San Valentín", ("Ideas para regalar en San Valentín", "Regalos con corazón ❤")),
    3: (
        "Novedades de primavera",
        ("Llega la primavera: novedades", "Nueva colección de primavera"),
    ),
    4: ("Semana Santa", ("Escápate estos días con -15 %", "Planes y novedades para Semana Santa")),
    5: (
        "Día de la Madre",
        ("Para la mejor madre del mundo", "Ideas de regalo para el Día de la Madre"),
    ),
    6: ("Rebajas de verano", ("Rebajas de verano: ya han empezado", "Verano, sol y -30 %")),
    7: (
        "Especial vacaciones",
        ("Todo lo que necesitas para tus vacaciones", "Lista para la maleta"),
    ),
    8: (
        "Últimos días de rebajas",
        ("Últimos días: no te quedes sin lo tuyo", "Se acaban las rebajas"),
    ),
    9: ("Vuelta a la rutina", ("Vuelta a la rutina con estilo", "Septiembre: novedades de otoño")),
    10: ("Colección otoño", ("La colección de otoño ya está aquí", "Otoño: tejidos cálidos")),
    11: ("Black Friday", ("Black Friday: -25 % en toda la tienda", "Solo 72 horas: Black Friday")),
    12: ("Regalos de Navidad", ("Regalos de Navidad para todos", "Envío gratis en tus regalos")),
}

#: Non-email acquisition channels of organic orders: (share, utm query or None, click-id param)
OTHER_CHANNELS: tuple[tuple[float, str | None, str | None], ...] = (
    (0.35, None, None),  # organic search / direct navigation to a product
    (0.2, "utm_source=google&utm_medium=cpc&utm_campaign=brand-search", "gclid"),
    (0.08, "utm_source=facebook&utm_medium=paid_social&utm_campaign=prospecting", "fbclid"),
    (0.07, "utm_source=instagram&utm_medium=paid_social&utm_campaign=retargeting", "fbclid"),
    (0.05, "utm_source=affiliate&utm_medium=referral&utm_campaign=bloggers", None),
    (0.25, None, None),  # direct to the home page
)
