"""``$metadata``: the EDMX document describing the published pages, as NAV writes it (namespace NAV)."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from graphsync.navservice.pages import Publication


def metadata_document(publication: Publication) -> str:
    types, sets = [], []
    for service in publication.pages:
        page = publication.page(service)
        assert page is not None
        key = "".join(f"<PropertyRef Name={quoteattr(page.key_prop(k))}/>" for k in page.table_def.key)
        props = []
        for c in page.controls:
            f = c.field
            length = f' MaxLength="{c.max_length}"' if c.max_length else ""
            nullable = ' Nullable="false"' if f.name in page.table_def.key and f.no else ""
            props.append(f"<Property Name={quoteattr(c.prop)} Type={quoteattr(c.edm_type)}{nullable}{length}/>")
        types.append(f"<EntityType Name={quoteattr(service)}><Key>{key}</Key>{''.join(props)}</EntityType>")
        sets.append(f'<EntitySet Name={quoteattr(service)} EntityType="NAV.{service}"/>')
    company = (
        '<EntityType Name="Company"><Key><PropertyRef Name="Name"/></Key>'
        '<Property Name="Name" Type="Edm.String" Nullable="false" MaxLength="30"/></EntityType>'
    )
    return (
        '<?xml version="1.0" encoding="utf-8"?>'
        '<edmx:Edmx Version="4.0" xmlns:edmx="http://docs.oasis-open.org/odata/ns/edmx"><edmx:DataServices>'
        '<Schema Namespace="NAV" xmlns="http://docs.oasis-open.org/odata/ns/edm">'
        + company
        + "".join(types)
        + '<EntityContainer Name="NAV"><EntitySet Name="Company" EntityType="NAV.Company"/>'
        + "".join(sets)
        + "</EntityContainer></Schema></edmx:DataServices></edmx:Edmx>"
    )
