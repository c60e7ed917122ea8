package dev.raftlifecycle.ports;

import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Optional;
import javax.xml.stream.XMLInputFactory;
import javax.xml.stream.XMLStreamConstants;
import javax.xml.stream.XMLStreamException;
import javax.xml.stream.XMLStreamReader;

/**
 * An XML document as a small tree of elements (local names, their text, their children), read with StAX: what an
 * AWS Query-protocol answer is. No DTD and no external entity is ever read.
 */
public record XmlElement(String name, String text, List<XmlElement> children) {
    private static final XMLInputFactory FACTORY = factory();

    private static XMLInputFactory factory() {
        XMLInputFactory f = XMLInputFactory.newFactory();
        f.setProperty(XMLInputFactory.SUPPORT_DTD, false);
        f.setProperty(XMLInputFactory.IS_SUPPORTING_EXTERNAL_ENTITIES, false);
        f.setProperty(XMLInputFactory.IS_NAMESPACE_AWARE, true);
        return f;
    }

    /** The document's root element. */
    public static XmlElement parse(InputStream in) {
        try {
            XMLStreamReader reader = FACTORY.createXMLStreamReader(in, "UTF-8");
            try {
                Deque<Builder> open = new ArrayDeque<>();
                while (reader.hasNext()) {
                    switch (reader.next()) {
                        case XMLStreamConstants.START_ELEMENT -> open.push(new Builder(reader.getLocalName()));
                        case XMLStreamConstants.CHARACTERS, XMLStreamConstants.CDATA -> {
                            if (!open.isEmpty()) {
                                open.peek().text.append(reader.getText());
                            }
                        }
                        case XMLStreamConstants.END_ELEMENT -> {
                            XmlElement done = open.pop().build();
                            if (open.isEmpty()) {
                                return done;
                            }
                            open.peek().children.add(done);
                        }
                        default -> {
                            // comments, processing instructions, whitespace outside elements: nothing to keep
                        }
                    }
                }
                throw new IllegalArgumentException("XML document without a root element");
            } finally {
                reader.close();
            }
        } catch (XMLStreamException e) {
            throw new IllegalArgumentException("malformed XML: " + e.getMessage(), e);
        }
    }

    /** The first child of that name. */
    public Optional<XmlElement> child(String childName) {
        for (XmlElement c : children) {
            if (c.name.equals(childName)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }

    /** The children of that name, in document order. */
    public List<XmlElement> children(String childName) {
        List<XmlElement> out = new ArrayList<>();
        for (XmlElement c : children) {
            if (c.name.equals(childName)) {
                out.add(c);
            }
        }
        return out;
    }

    /** The items of a list child ({@code items("tagSet", "item")}, {@code items("Instances", "member")}); none if absent. */
    public List<XmlElement> items(String list, String item) {
        return child(list).map(l -> l.children(item)).orElse(List.of());
    }

    /** The element at that path of child names below this one ({@code path("instanceState", "name")}). */
    public Optional<XmlElement> path(String... names) {
        Optional<XmlElement> at = Optional.of(this);
        for (String n : names) {
            at = at.flatMap(e -> e.child(n));
        }
        return at;
    }

    /** The text at that path as the document has it (not trimmed, as the SDK reads it), if the element is there and not empty. */
    public Optional<String> text(String... names) {
        return path(names).map(XmlElement::text).filter(s -> !s.isEmpty());
    }

    /** The first element of that name anywhere below this one (depth first), or this one. */
    public Optional<XmlElement> find(String elementName) {
        if (name.equals(elementName)) {
            return Optional.of(this);
        }
        for (XmlElement c : children) {
            Optional<XmlElement> found = c.find(elementName);
            if (found.isPresent()) {
                return found;
            }
        }
        return Optional.empty();
    }

    private static final class Builder {
        private final String name;
        private final StringBuilder text = new StringBuilder();
        private final List<XmlElement> children = new ArrayList<>();

        Builder(String name) {
            this.name = name;
        }

        XmlElement build() {
            // Text of an element that has children is only the whitespace between them.
            return new XmlElement(name, children.isEmpty() ? text.toString() : "", List.copyOf(children));
        }
    }
}
