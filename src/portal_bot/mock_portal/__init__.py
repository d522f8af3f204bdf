"""The mock portal: a local replica of 浙江省职业能力一体化工作平台 for QA, the demo and every browser test.

It reproduces the real site's pages, labels, rules, states and awkward markup (generic ``columnN``
names, labels that are not ``<label for>``, custom dropdowns) and adds a QA API under ``/__qa/``.
It must never contact the real site nor load anything from the network: every asset is local.
"""
