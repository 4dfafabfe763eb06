"""The Chinese beside an error's English message (issue 19): every JSON error carries both,
`{"error": English, "error_zh": 中文, "status": N}`, so the pages can show a finance clerk words
she reads. A message that already holds Chinese (`没有这个文件 / no document …`) keeps it; known
messages get their own sentence, the others the meaning of their status."""

from __future__ import annotations

import re

# (pattern on the English message, Chinese): the first that matches wins.
KNOWN = [
    (r"^Not Found$", "找不到这个地址"),
    (r"^no project ", "没有这个项目"),
    (r"^no indicator ", "没有这个指标"),
    (r"not in the search index", "检索索引中没有这一条"),
    (r"^not an IRI", "不是有效的 IRI"),
    (r"ran longer than the time limit \(([\d.]+) s\)", r"查询超过时间限制（\1 秒），已停止"),
    (r"no SPARQL worker was free within the time limit", "服务器正忙，没有空闲的查询进程，请稍后再试"),
    (r"queue is full|queue full", "查询排队已满，请稍后再试"),
    (r"crashed", "查询引擎在这条查询上崩溃，已重启；服务继续运行"),
    (r"SPARQL syntax error", "SPARQL 语法错误"),
    (r"^empty (query|update)$", "查询为空"),
    (r"SERVICE .*not allowed", "不允许 SERVICE（联邦查询）"),
    (r"LOAD .*not allowed", "不允许 LOAD（从网址载入）"),
    (r"Update needs the header Authorization", "SPARQL 更新需要令牌"),
    (r"wrong update token", "更新令牌不正确"),
    (
        r"write from another origin|from another site's page|cross-origin writes",
        "拒绝来自其他网站页面的写入请求",
    ),
    (r"request body is larger than", "请求内容超过大小限制"),
    (r"search is not available", "检索暂不可用（还没有检索索引）"),
    (r"embedding model is not available", "检索模型暂不可用"),
    (r"the service is stopping", "服务正在停止"),
    (r"store server|cannot be reached", "远程存储服务器出错或无法连接"),
    (r"Method Not Allowed", "不允许的请求方法"),
]
BY_STATUS = {
    400: "请求有误",
    401: "需要令牌",
    403: "拒绝访问",
    404: "找不到",
    405: "不允许的请求方法",
    406: "没有可接受的结果格式",
    413: "请求内容过大",
    415: "不支持的请求内容类型",
    422: "参数有误",
    500: "服务器内部错误",
    502: "远程存储服务器出错或无法连接",
    503: "服务暂不可用，请稍后再试",
}
_HAN = re.compile(r"[\u4e00-\u9fff]")


def chinese(message: str, status: int) -> str:
    if _HAN.search(message):
        return message.split(" / ")[0] if " / " in message else message
    for pattern, zh in KNOWN:
        found = re.search(pattern, message)
        if found:
            return found.expand(zh)
    return BY_STATUS.get(status, "出错了")
