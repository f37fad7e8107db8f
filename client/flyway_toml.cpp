/*-------------------------------------------------------------------------
 *
 * flyway_toml.cpp
 *	  The C++ shim between toml++ and the command's C: parse a flyway.toml
 *	  and flatten it into (dotted key, text value, line, column) entries.
 *
 * toml++ reports a syntax error as an exception (Debian builds its shared
 * library with them), as the standard library reports a failed allocation:
 * both are caught here, so nothing C++ crosses into C.  toml++'s error
 * messages quote the text they stumbled on, which may be part of a
 * password: every quoted piece that is not punctuation is left out.
 *
 *-------------------------------------------------------------------------
 */
#include <toml++/toml.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <sstream>
#include <string>
#include <vector>

#include "flyway_toml.h"

namespace
{

void
wipe(std::string &s)
{
	std::fill(s.begin(), s.end(), '\0');
}

struct Entry
{
	std::string key;
	std::string value;
	int			line;
	int			column;
};

struct Flattener
{
	std::vector<Entry> entries;
	std::string error;
	int			error_line = 0;
	int			error_column = 0;

	bool		fail(const std::string &message, const toml::node &node);
	bool		scalar_text(const toml::node &node, std::string &out);
	bool		add(const std::string &key, const toml::node &node);
	bool		walk(const std::string &prefix, const toml::table &table);
};

bool
Flattener::fail(const std::string &message, const toml::node &node)
{
	error = message;
	error_line = static_cast<int>(node.source().begin.line);
	error_column = static_cast<int>(node.source().begin.column);
	return false;
}

/* A float as Java would print a short one: 1.5, 2.0 */
std::string
float_text(double d)
{
	char		buf[64];

	snprintf(buf, sizeof(buf), "%.15g", d);
	if (std::strpbrk(buf, ".eEn") == nullptr)
		std::strcat(buf, ".0");
	return buf;
}

/* A string, boolean, number or date as the text a flyway.conf would hold. */
bool
Flattener::scalar_text(const toml::node &node, std::string &out)
{
	if (const auto *s = node.as_string())
		out = s->get();
	else if (const auto *b = node.as_boolean())
		out = b->get() ? "true" : "false";
	else if (const auto *i = node.as_integer())
		out = std::to_string(i->get());
	else if (const auto *f = node.as_floating_point())
		out = float_text(f->get());
	else if (node.is_date() || node.is_time() || node.is_date_time())
	{
		std::ostringstream text;

		node.visit([&text](const auto &v) {
			if constexpr (toml::is_date<decltype(v)> || toml::is_time<decltype(v)> ||
						  toml::is_date_time<decltype(v)>)
				text << v;
		});
		out = text.str();
	}
	else
		return false;
	return true;
}

/* One key's value: a scalar, or an array of scalars as a comma list. */
bool
Flattener::add(const std::string &key, const toml::node &node)
{
	std::string text;

	if (const auto *array = node.as_array())
	{
		bool		first = true;

		for (const toml::node &element : *array)
		{
			std::string item;

			if (!scalar_text(element, item))
				return fail("the value of " + key +
							" is an array holding tables or arrays; a Flyway setting takes "
							"a value or an array of values", element);
			if (!first)
				text += ',';
			text += item;
			wipe(item);
			first = false;
		}
	}
	else if (!scalar_text(node, text))
		return fail("the value of " + key + " has a type no Flyway setting takes", node);
	/* C sees a string up to its first NUL: a \u0000 would cut the value short */
	if (text.find('\0') != std::string::npos)
	{
		wipe(text);
		return fail("the value of " + key + " holds a NUL character (\\u0000)", node);
	}
	entries.push_back(Entry{key, text, static_cast<int>(node.source().begin.line),
							static_cast<int>(node.source().begin.column)});
	return true;
}

bool
Flattener::walk(const std::string &prefix, const toml::table &table)
{
	for (const auto &[name, node] : table)
	{
		std::string key = prefix + std::string(name.str());

		if (const auto *sub = node.as_table())
		{
			if (!walk(key + ".", *sub))
				return false;
		}
		else if (!add(key, node))
			return false;
	}
	return true;
}

/* Quoted text in toml++'s message that is safe to show: punctuation, \n. */
bool
safe_to_quote(const std::string &quoted)
{
	static const char *const words[] = {"true", "false", "inf", "nan", "\\n", "\\r", "\\t"};

	for (const char *word : words)
		if (quoted == word)
			return true;
	for (unsigned char c : quoted)
		if (std::isalnum(c) || c >= 0x80)
			return false;
	return true;
}

/*
 * toml++ puts what it saw between single quotes ("saw 'x'", "'12345' is not
 * representable"): keep the punctuation, leave out anything else.
 */
std::string
without_source_text(const std::string &description)
{
	std::string out;
	size_t		pos = 0;

	for (;;)
	{
		size_t		open = description.find('\'', pos);
		size_t		close = open == std::string::npos ? open : description.find('\'', open + 1);

		if (close == std::string::npos)
		{
			out += description.substr(pos);
			return out;
		}
		std::string quoted = description.substr(open + 1, close - open - 1);

		out += description.substr(pos, open - pos);
		out += safe_to_quote(quoted) ? "'" + quoted + "'" : "something (not shown)";
		pos = close + 1;
	}
}

/* toml++ frees its strings without overwriting them: a password among them */
void
wipe_tree(toml::node &node)
{
	if (auto *s = node.as_string())
		wipe(s->get());
	else if (auto *array = node.as_array())
		for (toml::node &element : *array)
			wipe_tree(element);
	else if (auto *table = node.as_table())
		for (auto &&[name, child] : *table)
			wipe_tree(child);
}

char *
copy_string(const std::string &s)
{
	char	   *copy = static_cast<char *>(std::malloc(s.size() + 1));

	if (copy == nullptr)
		throw std::bad_alloc();
	std::memcpy(copy, s.c_str(), s.size() + 1);
	return copy;
}

void
set_error(FlywayTomlDocument *document, const std::string &message, int line, int column)
{
	document->error = copy_string(message);
	document->error_line = line;
	document->error_column = column;
}

int
parse(const char *text, size_t len, FlywayTomlDocument *document)
{
	toml::table table;
	Flattener	flat;
	bool		ok;

	try
	{
		table = toml::parse(std::string_view(text, len));
	}
	catch (const toml::parse_error &e)
	{
		set_error(document, "not valid TOML: " + without_source_text(std::string(e.description())),
				  static_cast<int>(e.source().begin.line), static_cast<int>(e.source().begin.column));
		return 0;
	}
	ok = flat.walk("", table);
	if (ok)
	{
		std::stable_sort(flat.entries.begin(), flat.entries.end(),
						 [](const Entry &a, const Entry &b) {
							 return a.line != b.line ? a.line < b.line : a.column < b.column;
						 });
		document->entries = static_cast<FlywayTomlEntry *>(
			std::calloc(flat.entries.size() + 1, sizeof(FlywayTomlEntry)));
		if (document->entries == nullptr)
			throw std::bad_alloc();
		for (Entry &entry : flat.entries)
		{
			FlywayTomlEntry *out = &document->entries[document->nentries];

			out->key = copy_string(entry.key);
			out->value = copy_string(entry.value);
			out->line = entry.line;
			out->column = entry.column;
			document->nentries++;
		}
	}
	else
		set_error(document, flat.error, flat.error_line, flat.error_column);
	for (Entry &entry : flat.entries)
		wipe(entry.value);
	wipe_tree(table);
	return ok ? 1 : 0;
}

}								/* namespace */

extern "C" int
flyway_toml_parse(const char *text, size_t len, FlywayTomlDocument *document)
{
	std::memset(document, 0, sizeof(*document));
	try
	{
		return parse(text, len, document);
	}
	catch (const std::bad_alloc &)
	{
		flyway_toml_free(document);
		document->error = strdup("out of memory");
		return 0;
	}
}

extern "C" void
flyway_toml_free(FlywayTomlDocument *document)
{
	for (int i = 0; i < document->nentries; i++)
	{
		FlywayTomlEntry *entry = &document->entries[i];

		if (entry->value != nullptr)
		{
			volatile char *p = entry->value;

			while (*p)
				*p++ = '\0';
		}
		std::free(entry->value);
		std::free(entry->key);
	}
	std::free(document->entries);
	std::free(document->error);
	std::memset(document, 0, sizeof(*document));
}
