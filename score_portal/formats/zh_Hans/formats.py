"""Numbers on Chinese pages as the department writes them: 25,971,175.00.

Django's zh_Hans formats group digits by four with no separator (25971175.00), which is hard to
read on a dashboard of large sums; mainland Chinese reports and spreadsheets (Excel's zh-CN number
format) group by three with a comma. Everything else comes from Django's zh_Hans formats.
"""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
