"""Word pools (en/de/fr, nl for the pools invoices use) for the SYNTHETIC seed documents.

All names, companies and places are invented or very common; none refers to a real person.
"""

from __future__ import annotations

WORDS: dict[str, dict[str, str]] = {
    "first_names": {
        "en": "James|Olivia|Harry|Amelia|George|Isla|Jack|Emily|Noah|Sophie|Oliver|Grace|Liam|"
        "Chloe|Mohammed|Priya|Daniel|Hannah|Thomas|Ruby",
        "de": "Lukas|Anna|Jonas|Lena|Maximilian|Laura|Felix|Sophie|Paul|Marie|Leon|Julia|Ben|"
        "Katharina|Tim|Sabine|Jürgen|Ursula|Mehmet|Petra",
        "fr": "Lucas|Emma|Hugo|Chloé|Louis|Léa|Gabriel|Manon|Arthur|Camille|Jules|Inès|Nathan|"
        "Sarah|Théo|Juliette|Mathieu|Nathalie|Karim|Élodie",
        "nl": "Daan|Emma|Sem|Julia|Lucas|Mila|Finn|Tess|Levi|Sophie|Bram|Anouk|Jeroen|Sanne|"
        "Pieter|Fleur|Thijs|Lotte|Mohamed|Ilse",
    },
    "surnames": {
        "en": "Smith|Jones|Taylor|Brown|Williams|Wilson|Johnson|Davies|Patel|Robinson|Wright|"
        "Thompson|Evans|Walker|White|Roberts|Green|Hall|Wood|Clarke",
        "de": "Müller|Schmidt|Schneider|Fischer|Weber|Meyer|Wagner|Becker|Schulz|Hoffmann|"
        "Koch|Richter|Klein|Wolf|Schröder|Neumann|Schwarz|Zimmermann|Braun|Krüger",
        "fr": "Martin|Bernard|Dubois|Thomas|Robert|Richard|Petit|Durand|Leroy|Moreau|Simon|"
        "Laurent|Lefebvre|Michel|Garcia|David|Bertrand|Roux|Vincent|Fournier",
        "nl": "de Jong|Jansen|de Vries|van den Berg|van Dijk|Bakker|Janssen|Visser|Smit|"
        "Meijer|de Boer|Mulder|de Groot|Bos|Vos|Peters|Hendriks|van Leeuwen|Dekker|Brouwer",
    },
    "titles": {
        "en": "Mr|Mrs|Ms|Dr",
        "de": "Herr|Frau|Dr.",
        "fr": "M.|Mme|Dr",
        "nl": "Dhr.|Mevr.|Dr.",
    },
    "company_suffixes": {
        "en": "Ltd|Limited|plc|Group|& Sons|Services Ltd|Holdings",
        "de": "GmbH|AG|GmbH & Co. KG|KG|e.K.|Holding GmbH",
        "fr": "SARL|SAS|SA|et Fils|Groupe|Services",
        "nl": "B.V.|N.V.|V.O.F.|Groep B.V.|Holding B.V.|& Zn.",
    },
    "streets": {
        "en": "High Street|Station Road|Church Lane|Victoria Road|Green Lane|Manor Road|"
        "Park Avenue|Kings Road|Mill Lane|Queensway",
        "de": "Hauptstraße|Bahnhofstraße|Schulstraße|Gartenweg|Lindenallee|Bergstraße|"
        "Kirchplatz|Am Markt|Goethestraße|Ringstraße",
        "fr": "rue de la République|avenue Victor Hugo|rue des Lilas|boulevard Voltaire|"
        "place de la Mairie|rue Pasteur|chemin des Vignes|allée des Tilleuls|rue Nationale",
        "nl": "Kerkstraat|Dorpsstraat|Stationsweg|Molenweg|Schoolstraat|Julianalaan|"
        "Prinsengracht|Hoofdweg|Marktplein|Beatrixstraat",
    },
    "cities": {
        "en": "London|Manchester|Leeds|Bristol|Sheffield|Cardiff|Leicester|York|Norwich|Bath",
        "de": "Berlin|Hamburg|München|Köln|Frankfurt am Main|Stuttgart|Leipzig|Dresden|"
        "Hannover|Nürnberg",
        "fr": "Paris|Lyon|Marseille|Toulouse|Nantes|Strasbourg|Bordeaux|Lille|Rennes|Nice",
        "nl": "Amsterdam|Rotterdam|Utrecht|Den Haag|Eindhoven|Groningen|Tilburg|Almere|"
        "Breda|Nijmegen",
    },
    "banks": {
        "en": "Northbridge Bank|Albion Building Society|First Harbour Bank|Crown Savings Bank|"
        "Meridian Bank plc",
        "de": "Stadtsparkasse|Volksbank Rheintal eG|Nordbank AG|Raiffeisenbank Mittelland|"
        "Hansa Direktbank",
        "fr": "Banque du Centre|Crédit Régional|Caisse d'Épargne Atlantique|Banque Populaire "
        "du Sud|Société Bancaire de l'Ouest",
        "nl": "Polderbank N.V.|Spaarbank Midden-Nederland|Noorderkwartier Bank|"
        "Rijnmond Spaarbank|Lage Landen Bank N.V.",
    },
    "bank_ops": {
        "en": "Card payment|Direct debit|Standing order|Faster payment|ATM withdrawal|"
        "Transfer to|Transfer from|Salary|Interest|Contactless|Bank charges",
        "de": "Kartenzahlung|Lastschrift|Dauerauftrag|Überweisung|Gutschrift|Bargeldauszahlung|"
        "Gehalt|Zinsen|Kontoführungsgebühr|SEPA-Lastschrift|Echtzeitüberweisung",
        "fr": "Paiement par carte|Prélèvement|Virement reçu|Virement émis|Retrait DAB|"
        "Chèque n°|Salaire|Frais bancaires|Cotisation carte|Remise de chèque",
        "nl": "Betaalautomaat|Incasso|SEPA Incasso|Periodieke overboeking|Overboeking naar|"
        "Overboeking van|Geldautomaat|Salaris|Rente|Kosten betaalrekening|"
        "iDEAL betaling|Contactloos betaald",
    },
    "shops": {
        "en": "Tesco Stores|Amazon UK|Shell|Netflix|Council Tax|Landlord rent|Sainsbury's|"
        "Boots|Trainline|HMRC|Vodafone|Employer Ltd",
        "de": "REWE|Amazon EU|Aral Tankstelle|Miete|Rundfunkbeitrag|dm-drogerie|Deutsche Bahn|"
        "Telekom|Finanzamt|Lidl|Arbeitgeber GmbH",
        "fr": "Carrefour|Amazon FR|TotalEnergies|Loyer|SNCF|Orange|Pharmacie|Leclerc|"
        "Impots.gouv|Monoprix|Employeur SAS",
        "nl": "Albert Heijn|Jumbo|Bol.com|Shell|Huur woning|Belastingdienst|NS Reizen|"
        "Kruidvat|Gemeentelijke belastingen|Ziggo|Lidl|Werkgever B.V.",
    },
    "energy_names": {
        "en": "Energy|Power|Water|Gas & Electric|Utilities",
        "de": "Stadtwerke|Energie|Wasserversorgung|Strom & Gas|Energieversorgung",
        "fr": "Énergie|Électricité|Eaux|Gaz et Électricité|Services des Eaux",
        "nl": "Energie|Energiebedrijf|Stroom & Gas|Waterbedrijf|Energielevering",
    },
    "bill_power": {
        "en": "Your electricity bill|Electricity statement|Your energy bill",
        "de": "Ihre Stromrechnung|Jahresabrechnung Strom|Verbrauchsabrechnung Strom",
        "fr": "Votre facture d'électricité|Facture d'électricité|Facture de régularisation",
        "nl": "Uw jaarnota elektriciteit|Uw jaarafrekening stroom|Factuur energie|"
        "Jaarafrekening elektriciteit",
    },
    "bill_gas": {
        "en": "Your gas bill|Gas statement|Your energy bill",
        "de": "Ihre Gasrechnung|Jahresabrechnung Erdgas|Verbrauchsabrechnung Gas",
        "fr": "Votre facture de gaz|Facture gaz naturel|Facture de régularisation gaz",
        "nl": "Uw jaarnota gas|Uw jaarafrekening gas|Factuur energie|Jaarafrekening aardgas",
    },
    "bill_water": {
        "en": "Your water bill|Water and sewerage charges|Water services bill",
        "de": "Wasserabrechnung|Abrechnung Trinkwasser und Abwasser|Ihre Wasserrechnung",
        "fr": "Votre facture d'eau|Facture eau et assainissement|Facture d'eau potable",
        "nl": "Uw waternota|Uw jaarafrekening water|Factuur drinkwater|Afrekening drinkwater",
    },
    "bill_labels": {
        "en": "Account number|Customer number|Bill number|Supply number (MPAN)|Meter serial|"
        "Tariff|Bill date",
        "de": "Vertragskonto|Kundennummer|Rechnungsnummer|Zählernummer|Marktlokation|Tarif|"
        "Rechnungsdatum",
        "fr": "N° client|Référence contrat|N° de facture|Point de livraison (PDL)|N° compteur|"
        "Option tarifaire|Date de facture",
        "nl": "Klantnummer|Contractnummer|Factuurnummer|EAN-code|Meternummer|Tarief|Factuurdatum",
    },
    "bill_period": {
        "en": "Billing period|Bill period|Charges for",
        "de": "Abrechnungszeitraum|Lieferzeitraum|Verbrauchszeitraum",
        "fr": "Période de consommation|Période facturée|Consommation du",
        "nl": "Periode|Leveringsperiode|Afrekenperiode|Verbruiksperiode",
    },
    "bill_charges": {
        "en": "Energy charge|Standing charge|VAT at 5%|Climate change levy|Sewerage charge|"
        "Discount for Direct Debit|Supply charge",
        "de": "Arbeitspreis|Grundpreis|Messstellenbetrieb|Stromsteuer|Konzessionsabgabe|"
        "Umsatzsteuer 19%|Abschläge bezahlt",
        "fr": "Consommation|Abonnement|Acheminement|Accise sur l'électricité|CTA|TVA 5,5%|"
        "TVA 20%|Redevance assainissement",
        "nl": "Leveringskosten|Vastrecht|Netbeheerkosten|Energiebelasting|"
        "Vermindering energiebelasting|BTW 21%|Betaalde termijnbedragen|"
        "Vaste leveringskosten",
    },
    "topics": {
        "en": "your enquiry|our meeting on Tuesday|change of address|membership renewal|"
        "the school trip|planning application|tenancy|job application",
        "de": "Ihre Anfrage|unser Gespräch|Adressänderung|Kündigung der Mitgliedschaft|"
        "Elternabend|Bauantrag|Bewerbung|Mietverhältnis",
        "fr": "votre demande|notre rendez-vous|changement d'adresse|renouvellement d'adhésion|"
        "sortie scolaire|demande de permis|candidature|résiliation",
        "nl": "uw aanvraag|ons gesprek van dinsdag|adreswijziging|verlenging lidmaatschap|"
        "het schoolreisje|omgevingsvergunning|sollicitatie|huurovereenkomst",
    },
    "sentences": {
        "en": "Thank you for your letter of last week.|We are writing to let you know about "
        "some changes.|I would be grateful if you could reply at your earliest convenience."
        "|Please find enclosed the documents you asked for.|The meeting will take place in "
        "the village hall.|We look forward to hearing from you.|Should you have any questions, "
        "do not hesitate to contact us.|I am pleased to confirm our agreement.|Unfortunately "
        "we are unable to accept your request at this time.|Parking is available behind "
        "the building.",
        "de": "Vielen Dank für Ihr Schreiben vom letzten Monat.|Hiermit möchten wir Sie über "
        "einige Änderungen informieren.|Ich wäre Ihnen dankbar für eine baldige Antwort.|"
        "Anbei erhalten Sie die gewünschten Unterlagen.|Die Versammlung findet im "
        "Gemeindesaal statt.|Wir freuen uns auf Ihre Rückmeldung.|Bei Fragen stehen wir "
        "Ihnen gerne zur Verfügung.|Gerne bestätige ich unsere Vereinbarung.|Leider können "
        "wir Ihrem Antrag derzeit nicht entsprechen.|Parkplätze befinden sich hinter dem Haus.",
        "fr": "Nous vous remercions de votre courrier.|Nous souhaitons vous informer de "
        "quelques changements.|Je vous serais reconnaissant de bien vouloir me répondre "
        "rapidement.|Veuillez trouver ci-joint les documents demandés.|La réunion aura lieu "
        "à la salle des fêtes.|Dans l'attente de votre réponse, je vous prie d'agréer mes "
        "salutations distinguées.|Nous restons à votre disposition pour toute question.|"
        "Je vous confirme notre accord.|Nous ne pouvons malheureusement pas donner suite à "
        "votre demande.|Un parking est disponible derrière le bâtiment.",
        "nl": "Hartelijk dank voor uw brief van vorige week.|"
        "Graag informeren wij u over enkele wijzigingen.|"
        "Ik zou het op prijs stellen als u zo spoedig mogelijk reageert.|"
        "Bijgaand ontvangt u de gevraagde documenten.|"
        "De bijeenkomst vindt plaats in het dorpshuis.|"
        "Wij zien uw reactie met belangstelling tegemoet.|"
        "Heeft u nog vragen, neem dan gerust contact met ons op.|"
        "Graag bevestig ik onze afspraak.|"
        "Helaas kunnen wij uw verzoek op dit moment niet honoreren.|"
        "Achter het gebouw kunt u gratis parkeren.",
    },
    "dishes": {
        "en": "Soup of the day|Fish and chips|Caesar salad|Beef burger|Roast chicken|"
        "Vegetable curry|Sticky toffee pudding|Apple crumble|Garlic bread|Lamb shank|"
        "Mushroom risotto|Cheesecake|Pint of lager|House red wine",
        "de": "Tagessuppe|Wiener Schnitzel|Käsespätzle|Currywurst mit Pommes|Sauerbraten|"
        "Gemischter Salat|Apfelstrudel|Rote Grütze|Flammkuchen|Forelle Müllerin|"
        "Kaiserschmarrn|Helles 0,5l|Apfelschorle",
        "fr": "Soupe à l'oignon|Salade niçoise|Bœuf bourguignon|Confit de canard|"
        "Croque-monsieur|Moules frites|Crème brûlée|Tarte Tatin|Plateau de fromages|"
        "Quiche lorraine|Mousse au chocolat|Verre de vin rouge|Café gourmand",
        "nl": "Soep van de dag|Erwtensoep|Bitterballen|Uitsmijter|Kroketten op brood|"
        "Stamppot boerenkool met rookworst|Kibbeling|Kipsaté|Pannenkoek met spek|"
        "Poffertjes|Appeltaart met slagroom|Dame blanche|Biertje van de tap|"
        "Huiswijn rood",
    },
    "menu_sections": {
        "en": "Starters|Mains|Desserts|Drinks|Sides|Specials",
        "de": "Vorspeisen|Hauptgerichte|Nachspeisen|Getränke|Beilagen|Empfehlungen",
        "fr": "Entrées|Plats|Desserts|Boissons|Accompagnements|Suggestions du chef",
        "nl": "Voorgerechten|Hoofdgerechten|Nagerechten|Dranken|Bijgerechten|"
        "Suggesties van de chef",
    },
    "contracts": {
        "en": "TENANCY AGREEMENT|Employment Contract|Service Agreement|Non-Disclosure Agreement",
        "de": "MIETVERTRAG|Arbeitsvertrag|Dienstleistungsvertrag|Geheimhaltungsvereinbarung",
        "fr": "CONTRAT DE LOCATION|Contrat de travail|Contrat de prestation de services|"
        "Accord de confidentialité",
        "nl": "HUUROVEREENKOMST|Arbeidsovereenkomst|Dienstverleningsovereenkomst|"
        "Geheimhoudingsovereenkomst",
    },
    "clauses": {
        "en": "The tenant shall keep the property in good repair.|This agreement may be "
        "terminated by either party with one month's notice.|The parties agree to keep all "
        "information confidential.|Any amendment must be made in writing.|This agreement is "
        "governed by the laws of England and Wales.|The deposit will be returned at the end "
        "of the term.|The employee is entitled to 25 days of annual leave.",
        "de": "Der Mieter verpflichtet sich, die Wohnung pfleglich zu behandeln.|Der Vertrag "
        "kann von beiden Parteien mit einer Frist von drei Monaten gekündigt werden.|Die "
        "Parteien verpflichten sich zur Verschwiegenheit.|Änderungen bedürfen der "
        "Schriftform.|Es gilt deutsches Recht.|Die Kaution wird bei Vertragsende "
        "zurückgezahlt.|Der Arbeitnehmer hat Anspruch auf 30 Tage Urlaub.",
        "fr": "Le locataire s'engage à entretenir le logement.|Le présent contrat peut être "
        "résilié par chacune des parties avec un préavis d'un mois.|Les parties s'engagent à "
        "la plus stricte confidentialité.|Toute modification doit faire l'objet d'un avenant "
        "écrit.|Le présent contrat est soumis au droit français.|Le dépôt de garantie sera "
        "restitué à la fin du bail.|Le salarié bénéficie de cinq semaines de congés payés.",
        "nl": "De huurder is verplicht het gehuurde als een goed huurder te gebruiken.|"
        "Deze overeenkomst kan door beide partijen worden opgezegd met een opzegtermijn "
        "van een maand.|"
        "Partijen verplichten zich tot geheimhouding van alle informatie.|"
        "Wijzigingen zijn alleen geldig indien schriftelijk overeengekomen.|"
        "Op deze overeenkomst is Nederlands recht van toepassing.|"
        "De waarborgsom wordt aan het einde van de huur terugbetaald.|"
        "De werknemer heeft recht op 25 vakantiedagen per jaar.",
    },
    "forms": {
        "en": "APPLICATION FORM|Registration Form|Membership Application|Change of Details",
        "de": "ANTRAG|Anmeldeformular|Mitgliedsantrag|Änderungsmitteilung",
        "fr": "FORMULAIRE D'INSCRIPTION|Demande d'adhésion|Fiche de renseignements|"
        "Formulaire de changement",
        "nl": "AANVRAAGFORMULIER|Inschrijfformulier|Aanmeldformulier lidmaatschap|"
        "Wijzigingsformulier",
    },
    "form_fields": {
        "en": "Full name|Address|Postcode|Telephone|Email|Date|Occupation|Emergency contact|"
        "Membership type|Preferred contact method|Signature|Reference|Club|Notes",
        "de": "Vorname, Name|Anschrift|PLZ, Ort|Telefon|E-Mail|Datum|Beruf|Notfallkontakt|"
        "Mitgliedsart|Bemerkungen|Unterschrift|Verein|Kurs",
        "fr": "Nom et prénom|Adresse|Code postal|Téléphone|Courriel|Date|Profession|"
        "Personne à prévenir|Type d'adhésion|Remarques|Signature|Club|Cours choisi",
        "nl": "Naam en voorletters|Adres|Postcode en woonplaats|Telefoon|E-mail|Datum|"
        "Geboortedatum|Beroep|Contactpersoon bij nood|Soort lidmaatschap|Opmerkingen|"
        "Handtekening|Vereniging|Cursus",
    },
    "lists": {
        "en": "Shopping list|To do|Packing list|Meeting notes|Agenda|Guest list",
        "de": "Einkaufsliste|Zu erledigen|Packliste|Besprechungsnotizen|Tagesordnung|Gästeliste",
        "fr": "Liste de courses|À faire|Liste de bagages|Compte rendu de réunion|Ordre du jour|"
        "Liste des invités",
        "nl": "Boodschappenlijst|Te doen|Paklijst|Notulen vergadering|Agenda|Gastenlijst",
    },
    "list_items": {
        "en": "milk|eggs|bread|call the plumber|book flights|passport|sunscreen|charger|"
        "review budget|send minutes|pick up dry cleaning|birthday card|apples|coffee|"
        "update website|renew insurance|water the plants",
        "de": "Milch|Eier|Brot|Klempner anrufen|Flüge buchen|Reisepass|Sonnencreme|Ladekabel|"
        "Budget prüfen|Protokoll verschicken|Geburtstagskarte|Äpfel|Kaffee|Blumen gießen|"
        "Versicherung verlängern",
        "fr": "lait|œufs|pain|appeler le plombier|réserver les billets|passeport|crème solaire|"
        "chargeur|revoir le budget|envoyer le compte rendu|carte d'anniversaire|pommes|café|"
        "arroser les plantes|renouveler l'assurance",
        "nl": "melk|eieren|brood|loodgieter bellen|vliegtickets boeken|paspoort|zonnebrand|"
        "oplader|begroting nakijken|notulen versturen|verjaardagskaart|appels|koffie|"
        "planten water geven|verzekering verlengen|hagelslag|kaas",
    },
}
